//! `dsmc fmt` through the public API: the canonical layout parses back to the
//! same tree, is a fixed point, and keeps every comment in order.

use dsmc::fmt::format_spec;
use dsmc::syntax::parse;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The `Debug` text of a value with every span (`@12..34`) removed, so two
/// trees compare equal when they differ only in where things were written.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match span_text_len(after) {
            Some(len) => rest = &after[len..],
            None => {
                out.push('@');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length of `<digits>..<digits>` at the start of `text`, if it is there.
fn span_text_len(text: &str) -> Option<usize> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let start = digits(text);
    if start == 0 || !text[start..].starts_with("..") {
        return None;
    }
    let end = digits(&text[start + 2..]);
    (end > 0).then_some(start + 2 + end)
}

/// The tree of a spec as comparable text: spans removed.
fn tree_of(source: &str) -> String {
    let spec = parse(source).unwrap_or_else(|e| panic!("does not parse: {e:?}\n{source}"));
    without_spans(&format!("{spec:?}"))
}

/// The texts of the comments of a spec, in order.
fn comment_texts(source: &str) -> Vec<String> {
    let spec = parse(source).unwrap_or_else(|e| panic!("does not parse: {e:?}\n{source}"));
    spec.comments.into_iter().map(|c| c.text).collect()
}

/// Formats `source`, asserting everything `dsmc fmt` promises about it, and
/// returns the formatted text.
fn format_checked(name: &str, source: &str) -> String {
    let spec = parse(source).unwrap_or_else(|e| panic!("{name}: does not parse: {e:?}"));
    let formatted = format_spec(&spec, source);
    let reparsed = parse(&formatted).unwrap_or_else(|e| {
        panic!("{name}: the formatted text does not parse: {e:?}\n{formatted}")
    });
    assert_eq!(
        without_spans(&format!("{spec:?}")),
        without_spans(&format!("{reparsed:?}")),
        "{name}: formatting changed the tree; formatted text:\n{formatted}"
    );
    let mut before: Vec<&String> = spec.comments.iter().map(|c| &c.text).collect();
    let mut after: Vec<&String> = reparsed.comments.iter().map(|c| &c.text).collect();
    assert_eq!(
        before, after,
        "{name}: comments lost or reordered:\n{formatted}"
    );
    before.sort();
    after.sort();
    assert_eq!(before, after, "{name}: comments lost:\n{formatted}");
    let again = format_spec(&reparsed, &formatted);
    assert_eq!(formatted, again, "{name}: formatting is not idempotent");
    formatted
}

/// Formats a spec known to be valid.
fn fmt(source: &str) -> String {
    format_checked("inline", source)
}

// ---------------------------------------------------------------- corpus

/// Whether the header of a test spec says it must not parse.
fn expects_parse_error(source: &str) -> bool {
    source.lines().take(10).any(|line| {
        line.contains("// expect: parse-error") || line.contains("// expect: error dsmc::parse")
    })
}

fn collect_ds_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if recursive {
                collect_ds_files(&path, true, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "ds") {
            out.push(path);
        }
    }
}

#[test]
fn every_spec_in_the_repository_round_trips() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect_ds_files(&root.join("specs"), true, &mut files);
    collect_ds_files(&root.join("tests"), true, &mut files);
    files.sort();
    let mut checked = 0;
    for path in &files {
        let source =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if expects_parse_error(&source) || parse(&source).is_err() {
            continue;
        }
        format_checked(&path.display().to_string(), &source);
        checked += 1;
    }
    assert!(checked > 0, "no spec found under specs/ or tests/");
}

// ---------------------------------------------------------------- every construct

/// A spec that uses every construct of the grammar (it need not type-check).
const EVERYTHING: &str = r#"// A spec that uses every construct of the grammar.
// It does not have to make sense: fmt only needs it to parse.
protocol Everything

const N: int = 3 // overridable with -D N=5
const B: 1..5 = 2
const Fast: bool = true
const Big: int = (N + 1) * 2 - -1 % 3 / 1

type Ballot = 0..B
type Slot = -1..(N - 1) * 2
type Grouped = 0..(N * (B + 1))
type Phase = enum { init, running, finished }
type Votes = set<RM>
type Owners = map<RM, Ballot>
type Maybe = option<Ballot>
type Log = seq<Entry, N + 1>
type Pair = (RM, bool)
type Entry = { term: Ballot, value: bool }
type Alias = Pair

unfair network set
network fifo for Marker, Token

// The messages.
message Prepared
message Vote(term: Ballot, granted: bool)
unfair message Ping
message Marker
message Token(holder: RM, slots: set<Slot>)
faults {
  crash RM <= 1
  restart RM
  lose <= 2
  lose Vote <= 1 // at most one lost vote
  duplicate <= 1
  partition
  byzantine Acceptor <= 1
}
symmetric node RM[N] {
  persistent var term: Ballot = 0
  var phase: Phase in { init, running }
  var log: Log = []
  var votes: Votes = {}
  var owner: Owners = { RM[0] -> 1, _ -> 0 }
  var entry: Entry = { term: 0, value: false }
  var pair: Pair = (self, true)
  var best: Maybe = none
  var seen: seq<bool, 2> = [true, false]

  // Handlers.
  on Vote(t, _) from src when t >= term && phase == running {
    if t > term {
      term = t
    } else if t == term {
      votes += src
    } else {
      assert !(src in votes)
    }
    send src Vote(term, true)
  }
  on Ping from _ {}
  on Marker() from src: RM { broadcast RM Token(self, {}) }
  on Token(h, s) { log += { term: term, value: h == self } }

  action start when phase == init { phase = running }
  fair action step(b: Ballot, r: RM) when b > term && r != self {
    let next_term = if b > 2 { b - 1 } else if b == 0 { 0 } else { b }
    term = next_term
    votes -= r
    owner[r] = b
    entry.term = b
    pair.0 = r
    for x in votes {
      send x Prepared
      send RM[0] Ping()
    }
    broadcast RM Marker
  }
  strong fair action finish() { phase = finished }
  fair any action pick(b: Ballot) when phase == init { term = b }
}

node Acceptor {
  var count: 0..N = 0
  action tally {
    count = (count x in RM: x.phase == running) + len(votes_of(x)) * 2
    best = some(max(min(1, 2), head(tail([1, 2, 3]))))
    assert is_some(best) || is_none(best) => unwrap(best) in 0..N & all Ballot
    assert last(log).value && RM[0].pair.0 == self && owner[RM[1]] <= 2
  }
}

node Idle {}

invariant consistent: !(exists a, b in RM: a.phase == init && b.phase == finished)
stable monotone: forall r in RM: r.term >= 0
reachable finishes: exists r in RM: r.phase == finished
transient running: Acceptor.count > 0
persistent settles: Acceptor.count == N
property steps: Acceptor.count == 0 next Acceptor.count <= 1
property holds: true unless false
property decides: true ~> forall r in RM: r.phase in { running, finished }
property progress: Acceptor.count < N ensures Acceptor.count == N
variant shrinking: N - Acceptor.count while Acceptor.count < N until Acceptor.count == N
variant plain: N while true

allow deadlock
done when forall r in RM: r.phase == finished
bound Acceptor.count <= N
expect violation consistent
// The end.
"#;

#[test]
fn every_construct_in_canonical_layout() {
    let formatted = format_checked("EVERYTHING", EVERYTHING);
    insta::assert_snapshot!(formatted);
}

#[test]
fn the_canonical_layout_is_a_fixed_point() {
    let formatted = fmt(EVERYTHING);
    assert_eq!(fmt(&formatted), formatted);
}

// ---------------------------------------------------------------- messy input

#[test]
fn messy_input_gets_the_canonical_layout() {
    let messy = "  protocol   Messy   // the name\n\n\n\nconst N:int=3\nconst M : 1 .. N=N+1\n\
message A  message B( x:bool , y :0..N, )\n\n\n// about the node\n\
node   X [ N ] { var x : bool=true  var y:set< X >={a,b,} // ys\n\
on A { x=false ; y -= self ; } on B ( p , _ , ) from  q :X when p&&!x{\n\n\n\
// first\nx=p   // why\n\n\n// second\n\n\ny+=q }\n\
action a when x{if x{x=false}else  if !x {x=true;}else{}}}\n\
invariant i :forall a,b in X:a.x==b.x||(a.y&b.y)=={}\n// end";
    let expected = "protocol Messy // the name

const N: int = 3
const M: 1..N = N + 1
message A
message B(x: bool, y: 0..N)

// about the node
node X[N] {
  var x: bool = true
  var y: set<X> = { a, b } // ys
  on A {
    x = false
    y -= self
  }
  on B(p, _) from q: X when p && !x {
    // first
    x = p // why

    // second

    y += q
  }
  action a when x {
    if x {
      x = false
    } else if !x {
      x = true
    } else {}
  }
}

invariant i: forall a, b in X: a.x == b.x || (a.y & b.y) == {}
// end
";
    assert_eq!(fmt(messy), expected);
}

// ---------------------------------------------------------------- layout rules

#[test]
fn blank_lines_are_kept_collapsed_and_forced_around_blocks() {
    let source = "protocol P\nconst A: int = 1\n\n\n\nconst B: int = 2\nconst C: int = 3\n\
node X { var x: bool = true }\nfaults { crash X }\nallow deadlock\n";
    let expected = "protocol P

const A: int = 1

const B: int = 2
const C: int = 3

node X {
  var x: bool = true
}

faults {
  crash X
}

allow deadlock
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn one_line_bodies_stay_only_when_written_on_one_line_and_short() {
    let source = "protocol P\nnode X {\n  var x: bool = true\n  action a { x = false }\n  \
action b {\n    x = false\n  }\n  action c { x = false; x = true }\n  action d { if x { x = false } }\n  \
action e when x == true && x == true && x == true && x == true && x == true && x == true { x = false }\n}\n";
    let expected = "protocol P

node X {
  var x: bool = true
  action a { x = false }
  action b {
    x = false
  }
  action c {
    x = false
    x = true
  }
  action d {
    if x {
      x = false
    }
  }
  action e when x == true && x == true && x == true && x == true && x == true && x == true {
    x = false
  }
}
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn empty_blocks_print_as_braces() {
    let source = "protocol P\nnode X {\n}\nfaults {  }\nnode Y { action a {\n} on M() {} }\n";
    let expected = "protocol P

node X {}

faults {}

node Y {
  action a {}
  on M() {}
}
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn optional_parentheses_are_kept_as_written() {
    let source = "protocol P\nmessage M()\nnode X {\n  on M {}\n  on M() {}\n  action a {}\n  action b() {}\n  \
action c { send X M; send X M() }\n}\n";
    let expected = "protocol P

message M

node X {
  on M {}
  on M() {}
  action a {}
  action b() {}
  action c {
    send X M
    send X M()
  }
}
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn expression_parentheses_are_neither_added_nor_dropped() {
    let source = "protocol P\ninvariant a: ((x)) && (y || z) && -(1 + 2) * 3 == (4)\n\
invariant b: (forall r in R: r.ok) && (count r in R: r.ok) >= 2\ninvariant c: (all 0..3) == x\n";
    let expected = "protocol P

invariant a: ((x)) && (y || z) && -(1 + 2) * 3 == (4)
invariant b: (forall r in R: r.ok) && (count r in R: r.ok) >= 2
invariant c: (all 0..3) == x
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn type_bounds_get_back_the_parentheses_the_grammar_needs() {
    // The parser keeps no trace of a bound's parentheses; fmt puts back the
    // ones precedence and the bound grammar need.
    let source = "protocol P
type A = 0..(N + 1) * 2
type B = (N)..(N)
type C = 0..(N * (M + 1))
type D = (bool)..(int)
type E = seq<bool, (f(N))>
type F = 0..((N))
type G = -(N + 1)..-(N)
type H = 0..(N == 1)
type I = ((1, 2))..N
";
    let expected = "protocol P

type A = 0..(N + 1) * 2
type B = N..N
type C = 0..(N * (M + 1))
type D = (bool)..int
type E = seq<bool, (f(N))>
type F = 0..((N))
type G = -(N + 1)..-N
type H = 0..(N == 1)
type I = ((1, 2))..N
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn comments_keep_their_place() {
    let source = "// before the protocol

protocol P // trailing the protocol
// before the first item
const A: int = 1 // trailing an item

// alone between items

const B: int = // inside an expression
  2
node X { // trailing the brace
  // first in the node
  var x: bool = true
  action a when x // in a header
  {
    x = false // trailing a statement
    // last in the block
  } // trailing the action
  action b {
    if x { // trailing the then brace
      x = true
    } // between then and else
    else {
      x = false
    }
  }
  // last in the node
}
// at the end

// really the end
";
    let expected = "// before the protocol

protocol P // trailing the protocol

// before the first item
const A: int = 1 // trailing an item

// alone between items

// inside an expression
const B: int = 2

node X { // trailing the brace
  // first in the node
  var x: bool = true
  // in a header
  action a when x {
    x = false // trailing a statement
    // last in the block
  } // trailing the action
  action b {
    if x { // trailing the then brace
      x = true
      // between then and else
    } else {
      x = false
    }
  }
  // last in the node
}

// at the end

// really the end
";
    assert_eq!(fmt(source), expected);
}

#[test]
fn a_spec_of_only_a_protocol_line() {
    assert_eq!(fmt("protocol P"), "protocol P\n");
    assert_eq!(fmt("protocol P // note"), "protocol P // note\n");
    assert_eq!(fmt("protocol P\n// note\n"), "protocol P\n\n// note\n");
}

#[test]
fn windows_line_endings_format_like_unix_ones() {
    let crlf = EVERYTHING.replace('\n', "\r\n");
    assert_eq!(
        format_checked("EVERYTHING with CRLF", &crlf),
        fmt(EVERYTHING)
    );
}

#[test]
fn long_expressions_break_at_their_loosest_constructs() {
    let terms: Vec<String> = (0..60).map(|i| format!("x{i}")).collect();
    let source = format!("protocol P\ninvariant long: {}\n", terms.join(" && "));
    let formatted = format_checked("a long chain", &source);
    assert!(formatted.starts_with("protocol P\n\ninvariant long:\n  x0\n  && x1\n  && x2\n"));
    assert_eq!(formatted.lines().count(), 2 + 1 + 60);

    let source = "protocol Wrap

type Msg = union { Ask(from: 0..3, round: 0..3), Tell(to: 0..3, value: 0..3), Quiet }

node Peer[3] {
  var round: 0..3 = 0
  var seen: set<Msg> = {}
  action ask(r: 0..3, to: 0..3) when r > round && to != 0 && (forall m in seen: match m { Ask(f, q) => q < r && f != to, Tell(t, v) => t != to || v < r, Quiet => true }) && len(seen) < 3 { round = r }
}

def quiet(p: Peer, r: 0..3): bool = forall m in p.seen: match m { Ask(_, q) => q != r, Tell(_, v) => if v > r { v == 3 } else { v == 0 || v == 1 || v == 2 }, Quiet => true }
invariant rounds: forall p, q in Peer: p.round == q.round || (exists m in p.seen: m == Ask(0, q.round) || m == Tell(0, p.round)) || quiet(p, q.round)
property settles: exists p in Peer: p.round == 1 && len(p.seen) == 0 ~> forall p in Peer: p.round == 3 && (exists m in p.seen: m is Quiet)
";
    let expected = "protocol Wrap

type Msg = union { Ask(from: 0..3, round: 0..3), Tell(to: 0..3, value: 0..3), Quiet }

node Peer[3] {
  var round: 0..3 = 0
  var seen: set<Msg> = {}
  action ask(r: 0..3, to: 0..3)
    when r > round
      && to != 0
      && (forall m in seen: match m {
            Ask(f, q) => q < r && f != to,
            Tell(t, v) => t != to || v < r,
            Quiet => true,
          })
      && len(seen) < 3 {
    round = r
  }
}

def quiet(p: Peer, r: 0..3): bool =
  forall m in p.seen: match m {
    Ask(_, q) => q != r,
    Tell(_, v) => if v > r { v == 3 } else { v == 0 || v == 1 || v == 2 },
    Quiet => true,
  }
invariant rounds:
  forall p, q in Peer:
    p.round == q.round
    || (exists m in p.seen: m == Ask(0, q.round) || m == Tell(0, p.round))
    || quiet(p, q.round)
property settles:
  exists p in Peer: p.round == 1 && len(p.seen) == 0
  ~> forall p in Peer: p.round == 3 && (exists m in p.seen: m is Quiet)
";
    assert_eq!(format_checked("wrapped constructs", source), expected);
    assert!(expected.lines().all(|line| line.chars().count() <= 100));
}

// ---------------------------------------------------------------- perturbed layouts

/// What may replace a space between two tokens of the canonical text.
const SEPARATORS: [&str; 6] = [" ", "  ", "\t", "\n", "\n\n\n", " // note\n"];

/// The canonical text of [`EVERYTHING`] with each space between tokens
/// replaced by the separator `choices` picks; comments are left alone.
fn perturb(canonical: &str, choices: &[usize]) -> String {
    let mut out = String::new();
    let mut choice = choices.iter().cycle();
    let mut notes = 0;
    for line in canonical.lines() {
        let (code, comment) = match line.find("//") {
            Some(at) => line.split_at(at),
            None => (line, ""),
        };
        for c in code.chars() {
            if c != ' ' {
                out.push(c);
                continue;
            }
            let separator = SEPARATORS[choice.next().copied().unwrap_or(0) % SEPARATORS.len()];
            if separator.contains("//") {
                notes += 1;
                out.push_str(&format!(" // note {notes}\n"));
            } else {
                out.push_str(separator);
            }
        }
        out.push_str(comment);
        out.push('\n');
    }
    out
}

/// The tree of a spec without its comments and spans.
fn tree_without_comments(source: &str) -> String {
    let mut spec = parse(source).unwrap_or_else(|e| panic!("does not parse: {e:?}\n{source}"));
    spec.comments.clear();
    without_spans(&format!("{spec:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_layout_of_the_same_tokens_formats_correctly(choices in prop::collection::vec(0usize..24, 1..400)) {
        let canonical = fmt(EVERYTHING);
        // Mostly plain spaces, so that each case changes a few places.
        let choices: Vec<usize> = choices.into_iter().map(|c| if c < SEPARATORS.len() { c } else { 0 }).collect();
        let perturbed = perturb(&canonical, &choices);
        // A comment cannot sit inside `strong fair`; skip those layouts.
        prop_assume!(parse(&perturbed).is_ok());
        prop_assert_eq!(tree_without_comments(&perturbed), tree_without_comments(&canonical));
        let formatted = format_checked("perturbed", &perturbed);
        prop_assert_eq!(comment_texts(&formatted), comment_texts(&perturbed));
        prop_assert_eq!(tree_of(&formatted), tree_of(&perturbed));
    }
}

// ---------------------------------------------------------------- random expressions

/// The infix operators, as written.
const OPERATORS: [&str; 17] = [
    "=>", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "..", "+", "-", "*", "/", "%", "&",
];

/// Source text of random expressions: every form, operators of every level
/// mixed with and without parentheses.
fn expression_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("self".to_string()),
        Just("true".to_string()),
        Just("count".to_string()),
        Just("all RM".to_string()),
        Just("all 0..N".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        (0u32..20).prop_map(|n| n.to_string()),
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let e = || inner.clone();
        prop_oneof![
            (e(), prop::sample::select(&OPERATORS[..]), e())
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            e().prop_map(|a| format!("({a})")),
            e().prop_map(|a| format!("!{a}")),
            e().prop_map(|a| format!("-{a}")),
            e().prop_map(|a| format!("{a}.f")),
            e().prop_map(|a| format!("{a}.1")),
            (e(), e()).prop_map(|(a, i)| format!("{a}[{i}]")),
            (e(), e()).prop_map(|(a, b)| format!("forall r, q in {a}: {b}")),
            (e(), e()).prop_map(|(a, b)| format!("(count r in {a}: {b})")),
            (e(), e(), e()).prop_map(|(c, a, b)| format!("if {c} {{ {a} }} else {{ {b} }}")),
            (e(), e(), e()).prop_map(|(c, a, b)| format!(
                "if {c} {{ {a} }} else if {c} {{ {b} }} else {{ {a} }}"
            )),
            prop::collection::vec(e(), 0..3).prop_map(|items| format!("f({})", items.join(", "))),
            prop::collection::vec(e(), 1..3).prop_map(|items| format!("{{{}}}", items.join(","))),
            prop::collection::vec(e(), 0..3).prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec(e(), 2..4).prop_map(|items| format!("({})", items.join(", "))),
            (e(), e()).prop_map(|(a, b)| format!("{{ f: {a}, g: {b} }}")),
            (e(), e(), e()).prop_map(|(k, v, d)| format!("{{ {k} -> {v}, _ -> {d} }}")),
        ]
    })
}

/// Source text of random type bounds: arithmetic with and without
/// parentheses over names (`bool` and `int` included) and integers.
fn bound_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("N".to_string()),
        Just("bool".to_string()),
        Just("int".to_string()),
        (0u32..9).prop_map(|n| n.to_string()),
        Just("(f(N))".to_string()),
        Just("(N == 1)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        let e = || inner.clone();
        prop_oneof![
            (
                e(),
                prop::sample::select(&["+", "-", "*", "/", "%"][..]),
                e()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            e().prop_map(|a| format!("({a})")),
            e().prop_map(|a| format!("-{a}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_expressions_round_trip(e in expression_text(), lo in bound_text(), hi in bound_text()) {
        let source = format!(
            "protocol P\ninvariant i: {e}\ntype T = {lo}..{hi}\ntype S = seq<bool, {hi}>\n\
             node X {{ action a when {e} {{ x[{e}] = {e}; send {e} M({e}) }} }}\n"
        );
        // The generator knows nothing of which `{` opens a block, nor of the
        // words a bound cannot start with: texts that do not parse are not
        // fmt's business.
        if parse(&source).is_ok() {
            format_checked("random", &source);
        }
    }
}
