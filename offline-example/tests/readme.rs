//! The README's "Testing your app offline" shows `support_thread.rs` as it is, so the test it
//! shows is the one `cargo test` runs.

const README: &str = include_str!("../../README.md");
const EXAMPLE: &str = include_str!("support_thread.rs");

#[test]
fn the_readme_shows_the_example_test_as_it_runs() {
    let section = README
        .split_once("\n## Testing your app offline\n")
        .map(|(_, rest)| rest)
        .expect("the README has the section");
    let block = section
        .split_once("```rust,ignore\n")
        .and_then(|(_, rest)| rest.split_once("\n```\n"))
        .map(|(code, _)| code)
        .expect("the section shows a Rust block");
    assert_eq!(block.trim_end(), EXAMPLE.trim_end());
}
