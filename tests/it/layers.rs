//! The crates keep their layers (README, "How it is built"): what each library crate pulls
//! in, as `cargo tree` shows it from the lock file, dev-dependencies included.

use std::process::Command;

use crate::support::run_ok;

/// Every package `package` depends on, one name a line.
fn dependencies_of(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run_ok(
        Command::new(cargo)
            .args(["tree", "--offline", "--prefix", "none", "--format", "{p}"])
            .args(["-p", package])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
        "cargo tree",
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn assert_without(package: &str, forbidden: &[&str]) {
    let deps = dependencies_of(package);
    assert!(deps.iter().any(|d| d == package), "{deps:?}");
    for name in forbidden {
        assert!(
            !deps.iter().any(|d| d == name),
            "{package} depends on {name}"
        );
    }
}

#[test]
fn the_server_carries_no_terminal_ui_and_no_http_client() {
    assert_without(
        "strm-server",
        &["ratatui", "crossterm", "reqwest", "strm-client"],
    );
}

#[test]
fn the_console_carries_no_server() {
    assert_without("strm-console", &["axum", "rusqlite", "strm-server"]);
}

#[test]
fn the_cloud_clients_live_in_their_own_crate() {
    assert!(
        dependencies_of("strm-buckets")
            .iter()
            .any(|d| d == "reqwest")
    );
}
