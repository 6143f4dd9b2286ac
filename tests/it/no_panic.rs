//! No input makes the front end panic: a panic on user input is a bug.
//!
//! The inputs are arbitrary bytes, and the specs and test cases of this
//! repository mutated token by token, which keeps most of a spec's shape and
//! so reaches the later stages. A few hundred cases each keep the suite quick
//! in debug builds.

use dsmc::front::{Override, check_source};
use dsmc::syntax::rough_tokens;
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::Path;
use std::sync::LazyLock;

/// Every `.ds` file of `specs/` and `tests/cases/`, as text.
static CORPUS: LazyLock<Vec<String>> = LazyLock::new(|| {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ds")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push(text);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Vec::new();
    walk(&root.join("specs"), &mut corpus);
    walk(&root.join("tests/cases"), &mut corpus);
    corpus.sort();
    assert!(!corpus.is_empty(), "no specs found to mutate");
    corpus
});

/// Every distinct token of the corpus, for token soup.
static VOCABULARY: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut words: Vec<&str> = CORPUS
        .iter()
        .flat_map(|text| rough_tokens(text))
        .filter(|t| !t.trim().is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    words
});

/// One edit of a token list.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn mutate(mut tokens: Vec<&str>, mutations: &[Mutation]) -> String {
    for mutation in mutations {
        if tokens.is_empty() {
            break;
        }
        match mutation {
            Mutation::Delete(i) => {
                tokens.remove(i.index(tokens.len()));
            }
            Mutation::Duplicate(i) => {
                let i = i.index(tokens.len());
                tokens.insert(i, tokens[i]);
            }
            Mutation::Swap(a, b) => {
                let (a, b) = (a.index(tokens.len()), b.index(tokens.len()));
                tokens.swap(a, b);
            }
        }
    }
    tokens.concat()
}

/// Tokens that open a nested construct.
const OPENERS: &[&str] = &[
    "(",
    "[",
    "{",
    "all ",
    "set<",
    "map<",
    "(x, ",
    "{x: ",
    "{_ -> ",
    "f(",
    "if x { ",
    "forall a in A: ",
    "0..(",
    "seq<",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_source(&String::from_utf8_lossy(&bytes), &[]);
    }

    /// Past the first line, so that the bytes meet the rest of the grammar.
    #[test]
    fn arbitrary_bytes_after_a_protocol_line(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_source(&format!("protocol P\n{}", String::from_utf8_lossy(&bytes)), &[]);
    }

    #[test]
    fn mutated_specs(file in any::<Index>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let text = &CORPUS[file.index(CORPUS.len())];
        check_source(&mutate(rough_tokens(text), &mutations), &[]);
    }

    #[test]
    fn token_soup(picks in proptest::collection::vec(any::<Index>(), 0..80)) {
        let words: Vec<&str> = picks.iter().map(|i| VOCABULARY[i.index(VOCABULARY.len())]).collect();
        check_source(&format!("protocol P\n{}", words.join(" ")), &[]);
    }

    /// Openers that start alternatives in the grammar, unclosed, in an
    /// expression and in a type: each alternative that re-parses what is
    /// nested inside it doubles the work per level (fuzzing found `{` as map
    /// then set, and `(` as range bound then tuple with `all` inside), so an
    /// exponential parse makes this test run for ever.
    #[test]
    fn unclosed_openers(
        pattern in proptest::collection::vec(0..OPENERS.len(), 1..3),
        repeats in 30..80usize,
        in_type: bool,
    ) {
        let soup: String = pattern.iter().map(|&i| OPENERS[i]).collect::<String>().repeat(repeats);
        let source = if in_type {
            format!("protocol P\nnode A {{\n  var x: {soup} bool = false\n}}\n")
        } else {
            format!("protocol P\nnode A {{\n  var x: bool = false\n  action go when {soup} !x {{ x = true }}\n}}\n")
        };
        check_source(&source, &[]);
    }

    /// `-D NAME=VALUE` values are source text too.
    #[test]
    fn arbitrary_override_values(file in any::<Index>(), value in "[ -~]{0,24}") {
        let text = &CORPUS[file.index(CORPUS.len())];
        let overrides = [Override { name: "N".into(), value }];
        check_source(text, &overrides);
    }
}

#[test]
fn tokens_join_back_to_the_text() {
    let text = "node RM[N] {\n  var x: 0..3 = 0 // ç\n}";
    assert_eq!(rough_tokens(text).concat(), text);
    assert_eq!(rough_tokens("a  b.c"), ["a", "  ", "b", ".", "c"]);
}
