//! Copies the README's Rust examples that use this crate's transport into `$OUT_DIR/readme.md`,
//! which the crate's docs include: each example runs as a doctest of a crate whose only
//! dependency is that transport (`chat_core` is not in scope, as for a user of crates.io).

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let readme = manifest_dir.join("../../README.md");
    println!("cargo:rerun-if-changed={}", readme.display());
    let package = env::var("CARGO_PKG_NAME").expect("set by cargo");
    let transport = match package.as_str() {
        "readme-ureq" => "chat_ureq",
        "readme-hyper" => "chat_hyper",
        other => panic!("no transport for the README check crate {other}"),
    };
    let text = fs::read_to_string(&readme).expect("README.md beside the workspace manifest");
    let mut examples = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match &mut block {
            // `rust,ignore` blocks are shown, not run (the README's offline test runs as a test of
            // its own crate).
            None if line.starts_with("```rust") && !line.contains("ignore") => {
                block = Some(String::new())
            }
            Some(code) if line.starts_with("```") => {
                if code.contains(&format!("use {transport}::")) {
                    examples.push_str("```rust\n");
                    examples.push_str(code);
                    examples.push_str("```\n\n");
                }
                block = None;
            }
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
            None => {}
        }
    }
    assert!(
        !examples.is_empty(),
        "README.md has no Rust example that uses {transport}"
    );
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("readme.md");
    fs::write(out, examples).expect("write $OUT_DIR/readme.md");
}
