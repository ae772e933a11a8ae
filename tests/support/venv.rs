//! The Python test peers (moto_server, the 2021 driver) in a virtualenv.

use std::path::{Path, PathBuf};

/// The virtualenv at `$STRM_TUI_VENV` (default `.venv`; `scripts/test` creates it).
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("STRM_TUI_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        dir.join("bin/python").exists(),
        "no Python virtualenv at {} (set STRM_TUI_VENV, or run scripts/test, which creates it with \
         moto[server], streammachine-driver==0.0.11, streammachine-schemas-clickstream-avro==0.2.0 and schemathesis==4.32.5)",
        dir.display()
    );
    dir
}
