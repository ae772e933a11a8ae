//! Embeds every event schema in `assets/schemas/` (`<id>.avsc` + `<id>.contract.json`) so
//! that adding a schema is adding two data files: no code lists them. A directory walk
//! here instead of a crate such as `include_dir` keeps the dependency set as it is.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("assets/schemas is readable")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".avsc").map(str::to_owned)
        })
        .collect();
    ids.sort();
    let mut code = String::from("pub static EMBEDDED: &[(&str, &str, &str)] = &[\n");
    for id in &ids {
        let avsc = dir.join(format!("{id}.avsc"));
        let contract = dir.join(format!("{id}.contract.json"));
        assert!(
            contract.exists(),
            "schema {id} has no {}",
            contract.display()
        );
        println!("cargo:rerun-if-changed={}", avsc.display());
        println!("cargo:rerun-if-changed={}", contract.display());
        writeln!(
            code,
            "    ({id:?}, include_str!({:?}), include_str!({:?})),",
            avsc.display().to_string(),
            contract.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_schemas.rs");
    std::fs::write(out, code).unwrap();
}
