//! Deep and long inputs: no stack overflow, no quadratic blow-up. The inputs
//! are generated here (no checked-in megabyte files). A stack overflow
//! aborts the test binary and a quadratic stage makes it run for hours, so
//! each test fails loudly without timing anything.

use dsmc::front::{FrontEnd, check_source};

fn codes(front: &FrontEnd) -> Vec<&str> {
    front.diagnostics.iter().map(|d| d.code).collect()
}

/// A spec whose only invariant is `expr`.
fn with_invariant(expr: &str) -> String {
    format!(
        "protocol P\nnode A {{\n  var x: bool = false\n  action go {{ x = !x }}\n}}\ninvariant i: {expr}\n"
    )
}

fn assert_too_deep(source: &str) {
    let front = check_source(source, &[]);
    assert_eq!(codes(&front), ["dsmc::parse::too_deep"]);
}

#[test]
fn hundred_thousand_nested_parentheses() {
    let n = 100_000;
    assert_too_deep(&with_invariant(&format!(
        "{}x{}",
        "(".repeat(n),
        ")".repeat(n)
    )));
}

#[test]
fn hundred_thousand_unclosed_brackets() {
    for open in ["(", "[", "{"] {
        assert_too_deep(&with_invariant(&open.repeat(100_000)));
    }
}

#[test]
fn hundred_thousand_nested_negations() {
    // No brackets: the nesting comes from prefix operators alone.
    assert_too_deep(&with_invariant(&format!("{}x", "!".repeat(100_000))));
    assert_too_deep(&with_invariant(&format!("{}1 == 1", "-".repeat(100_000))));
}

#[test]
fn hundred_thousand_operands_in_a_chain() {
    for op in ["||", "&&", "==>", "=>"] {
        let chain = vec!["x"; 100_000].join(&format!(" {op} "));
        let front = check_source(&with_invariant(&chain), &[]);
        assert!(
            front.has_errors() || front.typed.is_some(),
            "{op}: {:?}",
            codes(&front)
        );
    }
}

#[test]
fn hundred_thousand_nested_conditional_expressions() {
    let n = 100_000;
    let expr = format!("{}{{ x }}", "if x { x } else ".repeat(n));
    assert_too_deep(&with_invariant(&expr));
}

#[test]
fn hundred_thousand_else_ifs() {
    let n = 100_000;
    let ladder = format!(
        "if x {{ x = false }}{} else {{ x = true }}",
        " else if x { x = false }".repeat(n)
    );
    let source = format!(
        "protocol P\nnode A {{\n  var x: bool = false\n  action go {{ {ladder} }}\n}}\ninvariant i: x || !x\n"
    );
    assert_too_deep(&source);
}

#[test]
fn hundred_thousand_nested_quantifiers() {
    let n = 100_000;
    let expr = format!("{}x", "forall a in A: ".repeat(n));
    assert_too_deep(&with_invariant(&expr));
}

/// The deepest nesting accepted also goes through every stage, including
/// lowering and exploration, whose compiled closures nest as deeply.
#[test]
fn the_deepest_accepted_nesting_is_explored() {
    let depth = 250;
    let expr = format!("{}A.x{}", "(".repeat(depth / 2), ")".repeat(depth / 2));
    let negations = format!("{}A.x", "!!".repeat(depth / 4));
    let source = with_invariant(&format!("{expr} || {negations} || !A.x"));
    let front = check_source(&source, &[]);
    assert!(!front.has_errors(), "{:?}", codes(&front));
    let checked = dsmc::check::check_source(&source, &Default::default());
    assert!(matches!(checked, dsmc::check::Checked::Explored { .. }));
}

/// A spec of `n` node kinds, each with a few variables, actions and a
/// handler, and a property per kind.
fn long_spec(kinds: usize) -> String {
    let mut s = String::from("protocol Long\nmessage M(v: 0..3)\n");
    for k in 0..kinds {
        s.push_str(&format!(
            "node K{k} {{\n  var a: 0..3 = 0\n  var b: bool = false\n  var c: set<0..3> = {{}}\n  \
             action up when a < 3 && !b {{ a += 1\n    c += a\n  }}\n  \
             action flip {{ b = !b }}\n  \
             action tell when b {{ send K{k} M(a) }}\n  \
             on M(v) {{ if v in c {{ b = false }} else {{ a = v }} }}\n}}\n\
             invariant bounded_{k}: K{k}.a <= 3 // a comment\n"
        ));
    }
    s
}

/// A 1 MB spec in every test run; 5 MB with the heavy tests
/// (`--include-ignored`, which `.ci/run` runs).
#[test]
fn a_one_megabyte_spec() {
    spec_of_size(1_000_000);
}

#[test]
#[ignore = "heavy: run with --include-ignored"]
fn a_five_megabyte_spec() {
    spec_of_size(5_000_000);
}

/// A spec of at least `size` bytes goes through the front end without errors.
fn spec_of_size(size: usize) {
    let mut kinds = 1;
    while long_spec(kinds).len() < size {
        kinds *= 2;
    }
    let source = long_spec(kinds);
    assert!(source.len() >= size);
    let front = check_source(&source, &[]);
    assert!(!front.has_errors(), "{:?}", &codes(&front)[..5]);
    assert!(front.typed.is_some());
}

#[test]
fn ten_thousand_actions() {
    let mut s = String::from("protocol Many\nnode A {\n  var x: 0..10000 = 0\n");
    for i in 0..10_000 {
        s.push_str(&format!(
            "  action a{i} when x == {i} {{ x = {} }}\n",
            i + 1
        ));
    }
    s.push_str("}\ninvariant small: A.x <= 10000\nallow deadlock\n");
    let front = check_source(&s, &[]);
    assert!(!front.has_errors(), "{:?}", codes(&front));
    let model = dsmc::model::lower(front.typed.unwrap()).unwrap_or_else(|_| panic!("lowers"));
    let exploration = dsmc::explore::explore(
        &model,
        &dsmc::explore::Options {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}", e.describe()));
    assert_eq!(exploration.states, 10_001);
}

#[test]
fn a_million_character_comment_and_a_long_name() {
    let comment = format!("// {}\n", "x".repeat(1_000_000));
    let name = "n".repeat(100_000);
    let source = format!(
        "{comment}protocol P\nnode {name} {{\n  var x: bool = false\n  action go {{ x = !x }}\n}}\ninvariant i: {name}.x || !{name}.x\n"
    );
    let front = check_source(&source, &[]);
    assert!(!front.has_errors(), "{:?}", codes(&front));
}

#[test]
fn two_thousand_unknown_names_among_two_thousand_variables() {
    // Every name a typo: did-you-mean suggestions must not compare every
    // name with every declaration of a large spec.
    let mut s = String::from("protocol P\nnode A {\n");
    for i in 0..2_000 {
        s.push_str(&format!("  var v{i}: bool = false\n"));
    }
    for i in 0..2_000 {
        s.push_str(&format!("  action a{i} {{ w{i} = true }}\n"));
    }
    s.push_str("}\n");
    let front = check_source(&s, &[]);
    assert!(front.has_errors());
}

/// Thousands of items that each hold a quantifier are not "too deep": the
/// count of open quantifiers starts again at each item (it once ran on
/// across items and refused the 4,097th quantified invariant).
#[test]
fn ten_thousand_quantified_invariants() {
    let mut source = String::from("protocol P\nnode A[2] {\n  var x: bool = false\n");
    for i in 0..10_000 {
        source.push_str(&format!(
            "  action a{i} when exists b in A: !b.x {{ x = true }}\n"
        ));
    }
    source.push_str("}\n");
    for i in 0..10_000 {
        source.push_str(&format!("invariant i{i}: forall a in A: a.x || !a.x\n"));
    }
    let front = check_source(&source, &[]);
    assert!(
        !codes(&front).contains(&"dsmc::parse::too_deep"),
        "{:?}",
        codes(&front)
    );
}

/// Item words inside a quantifier chain restart the count only where the
/// chain truly ends: this is 100,000 one-quantifier items, not one deep
/// expression, and parses without a stack overflow.
#[test]
fn hundred_thousand_items_glued_together() {
    let body = "invariant i: forall a in A: ".repeat(100_000);
    let front = check_source(&with_invariant(&format!("{body}true")), &[]);
    assert!(!front.diagnostics.is_empty());
}
