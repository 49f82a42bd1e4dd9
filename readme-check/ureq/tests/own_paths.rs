//! The transports' docs and examples are written as a user of that one crate writes them: a
//! `chat_core::` path in a doc comment (outside `crate::chat_core::`, the re-export) or in an
//! example would not compile for a user who depends on the transport alone.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// `chat_core::` paths in `line` that are not reached through `crate::chat_core::`.
fn foreign_paths(line: &str) -> usize {
    line.match_indices("chat_core::")
        .filter(|(at, _)| !line[..*at].ends_with("crate::"))
        .count()
}

#[test]
fn transport_docs_name_only_their_own_paths() {
    let mut offending = Vec::new();
    for crate_dir in ["chat-ureq/src", "chat-hyper/src"] {
        let mut files = Vec::new();
        rust_files(&workspace(crate_dir), &mut files);
        assert!(!files.is_empty(), "{crate_dir} has no sources");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let doc = line.trim_start();
                if (doc.starts_with("///") || doc.starts_with("//!")) && foreign_paths(doc) > 0 {
                    offending.push(format!("{}:{}: {}", file.display(), n + 1, doc));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

#[test]
fn transport_examples_use_only_their_own_crate() {
    let mut offending = Vec::new();
    for dir in ["chat-ureq/examples", "chat-hyper/examples"] {
        let mut files = Vec::new();
        rust_files(&workspace(dir), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains("chat_core") {
                    offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}
