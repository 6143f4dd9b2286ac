//! `dsmc fmt`: prints a spec in canonical layout.
//!
//! [`format_spec`] prints the AST, not the source: every token comes from the
//! tree, so the output parses back to the same tree (spans aside), and
//! formatting twice gives the same text as formatting once. The source is
//! read only for what the tree does not hold: the `//` comments and where
//! the blank lines were.
//!
//! # Layout
//!
//! - `protocol Name` comes first (after any comments written above it), then
//!   a blank line.
//! - One declaration per line: top-level items, the vars, handlers and
//!   actions of a node, the faults of a `faults` block, and statements. `;`
//!   separators are dropped.
//! - Indentation is two spaces per level; `{` ends the line that opens the
//!   block and `}` stands on its own line. An empty block prints as `{}`.
//! - Blank lines: between two top-level items, two node items or two
//!   statements there is one blank line where the source had at least one,
//!   and none otherwise, so groups such as a list of messages stay together.
//!   A `node` or `faults` block always has a blank line before and after it.
//!   A block never starts or ends with a blank line.
//! - One-line bodies: the body of a handler or action that holds a single
//!   statement without a block of its own (not `if`, not `for`) stays on the
//!   header's line, `on Commit { state = committed }`, when the source had
//!   the whole body on one line and the result fits in 100 columns. Every
//!   other block is printed over several lines. This keeps the short
//!   handlers of the style guide's examples compact while making the rule a
//!   function of the source the author chose.
//! - Long expressions break; nothing else does. A top-level declaration
//!   that holds an expression (a property, a `def`, `bound`, `done when`,
//!   `init`) and is wider than 100 columns on one line puts its expression
//!   on the lines below its head, two columns in; a handler's or action's
//!   header that does not fit with its ` {` puts its guard on a line of its
//!   own, `when` two columns in, and its body is then always a block of
//!   lines. Such an expression is broken only where its one-line text
//!   would pass 100 columns, and only at its loosest constructs: each
//!   `&&`, `||` or `=>` of a chain starts a line, a quantifier's body goes
//!   on the next line two columns in (a `match` stays on the quantifier's
//!   line), a `match` has one arm per line, an `if` one branch per line,
//!   and parentheses keep what they hold aligned one column in. Statements
//!   and types are not broken (but see unions below).
//! - Spacing is fixed:
//!   `a && b`, `x in S`, `0..N` (a range has no spaces), `f(a, b)`,
//!   `{ a, b }`, `{}`, `[a, b]`, `{ k -> v, _ -> d }`, `{ f: a }`, `set<RM>`,
//!   `map<K, V>`, `seq<T, K>`, `enum { a, b }`, `union { V(f: T), W }`,
//!   `match e { V(x) => a, _ => b }`, `e is V`. The one exception: a
//!   `type` declaration of a union wider than 100 columns on one line
//!   prints one variant per line, each followed by a comma.
//! - Parentheses are printed exactly where the tree has them: the parser
//!   keeps every pair as an [`ExprKind::Paren`](crate::syntax::ast::ExprKind)
//!   node. Only the bounds of range and sequence types lose their
//!   parentheses in the tree; there the printer puts back the pairs the
//!   grammar needs (see `text.rs`).
//! - Payload and parameter lists print as written: `on M`, `on M()` and
//!   `on M(a)` are three different trees. `message M()` is the same tree as
//!   `message M` and prints as the latter.
//!
//! # Comments
//!
//! Every comment is printed exactly once and in source order. A comment that
//! shares its source line with the end of a construct (a declaration, a
//! statement, a closing `}`, or an opening `{`) stays at the end of that
//! construct's line. Any other comment goes on its own line before the next
//! declaration or statement, at that construct's indentation; one before a
//! closing `}` stays inside the block. A comment written inside a one-line
//! construct's expressions or inside a header (`action a when x && // why`)
//! moves before that construct, and one written between `}` and `else` moves
//! to the end of the block before the `else`. Comments after the last item
//! end the file. Blank lines around comments are kept (collapsed) as
//! between declarations. A comment's text is kept byte for byte, control
//! characters included; a byte order mark that starts the file is kept.

mod text;

use crate::syntax::ast::*;

/// Lines wider than this are never produced by keeping a body on one line.
const MAX_WIDTH: usize = 100;

/// One level of indentation.
const INDENT: &str = "  ";

/// Formats a parsed spec; `source` is the text it was parsed from (for blank
/// lines and comments).
///
/// Given another text than the spec's source, the output still holds every
/// declaration of `spec`, but comments and blank lines land in arbitrary
/// places.
pub fn format_spec(spec: &Spec, source: &str) -> String {
    let mut printer = Printer {
        source,
        comments: &spec.comments,
        next_comment: 0,
        out: String::new(),
        depth: 0,
        last_end: 0,
        blank_allowed: true,
        force_blank: false,
    };
    printer.spec(spec);
    // A byte order mark is kept: formatting changes the layout, not the
    // encoding the author chose.
    let mut out = printer.out;
    if source.starts_with(crate::text::BYTE_ORDER_MARK) {
        out.insert(0, crate::text::BYTE_ORDER_MARK);
    }
    out
}

/// The output being built, and how far the comments have been placed.
///
/// Comments are printed only through `next_comment`, which only moves
/// forward: that is what keeps every comment exactly once and in order.
struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    /// Index of the first comment not printed yet.
    next_comment: usize,
    out: String,
    /// Indentation level of the line being written.
    depth: usize,
    /// Source offset where the last thing that was given a line of its own
    /// ended (a construct or a comment); blank lines are looked for between
    /// it and the start of the next one.
    last_end: usize,
    /// False right after an opening brace: a block starts with no blank line.
    blank_allowed: bool,
    /// The next line is preceded by a blank line whatever the source had
    /// (after `protocol`, around nodes and `faults` blocks).
    force_blank: bool,
}

impl Printer<'_> {
    // ------------------------------------------------------------ lines

    /// Starts a line for the element whose source starts at `source_start`,
    /// after a blank line when the rules above ask for one.
    fn begin_line(&mut self, source_start: usize) {
        let blank = self.force_blank
            || (self.blank_allowed && self.blank_line_between(self.last_end, source_start));
        if blank && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.force_blank = false;
        self.blank_allowed = true;
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
    }

    fn write(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// Ends the line of a construct whose source ends at `source_end`, with
    /// the comment that trailed it in the source, if any.
    fn end_line(&mut self, source_end: usize) {
        self.last_end = source_end;
        self.trailing_comment(source_end);
        self.out.push('\n');
    }

    /// Appends the next comment to the current line if it followed
    /// `source_end` on the same source line with nothing but spaces and `;`
    /// in between.
    fn trailing_comment(&mut self, source_end: usize) {
        let Some(comment) = self.comments.get(self.next_comment) else {
            return;
        };
        let same_line = comment.span.start >= source_end
            && self
                .source
                .get(source_end..comment.span.start)
                .is_some_and(|gap| gap.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | ';')));
        if same_line {
            self.out.push_str(" //");
            self.out.push_str(&comment.text);
            self.last_end = comment.span.end;
            self.next_comment += 1;
        }
    }

    /// Prints, each on its own line, the comments that start before `limit`.
    fn leading_comments(&mut self, limit: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= limit {
                break;
            }
            self.begin_line(comment.span.start);
            self.out.push_str("//");
            self.out.push_str(&comment.text);
            self.out.push('\n');
            self.last_end = comment.span.end;
            self.next_comment += 1;
        }
    }

    fn has_comment_before(&self, limit: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|comment| comment.span.start < limit)
    }

    /// Whether the source between `from` and `to` holds an empty line.
    fn blank_line_between(&self, from: usize, to: usize) -> bool {
        if to <= from {
            return false;
        }
        let Some(gap) = self.source.get(from..to) else {
            return false;
        };
        // The pieces between consecutive line breaks are whole lines.
        let mut lines = gap.split('\n');
        lines.next();
        let mut inner: Vec<&str> = lines.collect();
        inner.pop();
        inner.iter().any(|line| line.trim().is_empty())
    }

    /// The width of the line being written, in characters.
    fn current_width(&self) -> usize {
        let line_start = self.out.rfind('\n').map_or(0, |n| n + 1);
        self.out[line_start..].chars().count()
    }

    /// The offset of the first `{` at or after `from` outside comments.
    fn open_brace_after(&self, from: usize) -> Option<usize> {
        let bytes = self.source.as_bytes();
        let mut i = from;
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b'{' => return Some(i),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while bytes.get(i).is_some_and(|&b| b != b'\n') {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Writes a braced list: `{}` when it is empty and holds no comment,
    /// otherwise `{`, the contents one level deeper (written by `contents`),
    /// the comments left before `close_limit`, and `}`. `open` is the source
    /// offset of the `{`. The line of the `}` is left open.
    fn braced(
        &mut self,
        open: usize,
        close_limit: usize,
        is_empty: bool,
        contents: impl FnOnce(&mut Self),
    ) {
        if is_empty && !self.has_comment_before(close_limit) {
            self.write("{}");
            return;
        }
        self.write("{");
        let after_brace = open + 1;
        self.last_end = after_brace;
        self.trailing_comment(after_brace);
        self.out.push('\n');
        self.depth += 1;
        self.blank_allowed = false;
        contents(self);
        self.leading_comments(close_limit);
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        self.write("}");
    }

    // ------------------------------------------------------------ spec

    fn spec(&mut self, spec: &Spec) {
        self.leading_comments(spec.protocol.span.start);
        self.begin_line(spec.protocol.span.start);
        self.write("protocol ");
        self.write(&spec.protocol.name);
        self.end_line(spec.protocol.span.end);
        self.force_blank = true;
        for item in &spec.items {
            self.item(item);
        }
        self.leading_comments(usize::MAX);
    }

    fn item(&mut self, item: &Item) {
        let span = item.span();
        match item {
            Item::Node(node) => {
                self.force_blank = true;
                self.node(node);
            }
            Item::Faults(faults) => {
                self.force_blank = true;
                self.faults(faults);
            }
            _ => {
                self.leading_comments(span.end);
                self.begin_line(span.start);
                if let Some(line) = text::simple_item(item) {
                    match text::wrapped_item(item) {
                        Some(lines) if line.chars().count() > MAX_WIDTH => self.write(&lines),
                        _ => self.write(&line),
                    }
                }
            }
        }
        self.end_line(span.end);
        if matches!(item, Item::Node(_) | Item::Faults(_)) {
            self.force_blank = true;
        }
    }

    fn node(&mut self, node: &NodeDecl) {
        let header_end = node
            .count
            .as_ref()
            .map_or(node.name.span.end, |count| count.span.end);
        let open = self.open_brace_after(header_end).unwrap_or(header_end);
        self.leading_comments(open);
        self.begin_line(node.span.start);
        self.write(&text::node_header(node));
        self.write(" ");
        self.braced(open, node.span.end, node.items.is_empty(), |printer| {
            for item in &node.items {
                printer.node_item(item);
            }
        });
    }

    fn faults(&mut self, faults: &FaultsDecl) {
        let open = self
            .open_brace_after(faults.span.start)
            .unwrap_or(faults.span.start);
        self.leading_comments(open);
        self.begin_line(faults.span.start);
        self.write("faults ");
        self.braced(open, faults.span.end, faults.faults.is_empty(), |printer| {
            for fault in &faults.faults {
                printer.leading_comments(fault.span.end);
                printer.begin_line(fault.span.start);
                printer.write(&text::fault(fault));
                printer.end_line(fault.span.end);
            }
        });
    }

    fn node_item(&mut self, item: &NodeItem) {
        match item {
            NodeItem::Var(var) => {
                self.leading_comments(var.span.end);
                self.begin_line(var.span.start);
                self.write(&text::var_decl(var));
                self.end_line(var.span.end);
            }
            NodeItem::Handler(handler) => {
                self.leading_comments(handler.body.span.start);
                self.begin_line(handler.span.start);
                let header = text::handler_header(handler);
                if self.header(header, text::handler_head(handler), handler.guard.as_ref()) {
                    self.write(" ");
                    self.block(&handler.body, handler.body.span.end);
                } else {
                    self.body(&handler.body);
                }
                self.end_line(handler.span.end);
            }
            NodeItem::Action(action) => {
                self.leading_comments(action.body.span.start);
                self.begin_line(action.span.start);
                let header = text::action_header(action);
                if self.header(header, text::action_head(action), action.guard.as_ref()) {
                    self.write(" ");
                    self.block(&action.body, action.body.span.end);
                } else {
                    self.body(&action.body);
                }
                self.end_line(action.span.end);
            }
        }
    }

    /// Writes a handler's or an action's header: on one line when it fits
    /// with its ` {`, else with its guard on lines of its own (`head` is
    /// the header without the guard). Whether it broke: the body is then
    /// printed as a block, never on the guard's last line.
    fn header(&mut self, one_line: String, head: String, guard: Option<&Expr>) -> bool {
        let width = self.current_width() + one_line.chars().count() + " {".len();
        match guard {
            Some(guard) if width > MAX_WIDTH => {
                let indent = self.current_width();
                self.write(&head);
                self.write(&text::wrapped_guard(guard, indent));
                true
            }
            _ => {
                self.write(&one_line);
                false
            }
        }
    }

    // ------------------------------------------------------------ statements

    /// The body of a handler or action, on the header's line when the
    /// one-line rule of the module docs allows.
    fn body(&mut self, block: &Block) {
        if let Some(line) = self.one_line_body(block) {
            self.write(" { ");
            self.write(&line);
            self.write(" }");
        } else {
            self.write(" ");
            self.block(block, block.span.end);
        }
    }

    fn one_line_body(&self, block: &Block) -> Option<String> {
        let [stmt] = block.stmts.as_slice() else {
            return None;
        };
        let line = text::simple_stmt(stmt)?;
        let written_on_one_line = self
            .source
            .get(block.span.start..block.span.end)
            .is_some_and(|source| !source.contains('\n'));
        let fits = self.current_width() + " {  }".len() + line.chars().count() <= MAX_WIDTH;
        (written_on_one_line && fits && !self.has_comment_before(block.span.end)).then_some(line)
    }

    /// Writes a block from its `{` to its `}`; comments before `close_limit`
    /// that no statement took are printed before the `}`.
    fn block(&mut self, block: &Block, close_limit: usize) {
        self.braced(
            block.span.start,
            close_limit,
            block.stmts.is_empty(),
            |printer| {
                for stmt in &block.stmts {
                    printer.stmt(stmt);
                }
            },
        );
    }

    fn stmt(&mut self, stmt: &Stmt) {
        self.leading_comments(stmt_header_end(stmt));
        self.begin_line(stmt.span.start);
        match &stmt.kind {
            StmtKind::If {
                cond,
                then_block,
                else_branch,
            } => self.if_chain(cond, then_block, else_branch.as_ref()),
            StmtKind::For { var, domain, body } => {
                self.write("for ");
                self.write(&var.name);
                self.write(" in ");
                self.write(&text::expr(domain));
                self.write(" ");
                self.block(body, body.span.end);
            }
            _ => {
                if let Some(line) = text::simple_stmt(stmt) {
                    self.write(&line);
                }
            }
        }
        self.end_line(stmt.span.end);
    }

    /// `if c { } else if d { } else { }` from the `if` to the last `}`.
    fn if_chain(&mut self, cond: &Expr, then_block: &Block, else_branch: Option<&ElseBranch>) {
        // An `else if` chain does not deepen the nesting of brackets, so it
        // may be as long as the input: it is walked with a loop.
        let (mut cond, mut then_block, mut else_branch) = (cond, then_block, else_branch);
        loop {
            self.write("if ");
            self.write(&text::expr(cond));
            self.write(" ");
            // Comments between this block and the next one's `{` have no
            // line of their own in `} else {`: they end this block.
            let close_limit = match else_branch {
                None => then_block.span.end,
                Some(ElseBranch::Block(block)) => block.span.start,
                Some(ElseBranch::If(stmt)) => stmt_header_end(stmt),
            };
            self.block(then_block, close_limit);
            match else_branch {
                None => return,
                Some(ElseBranch::Block(block)) => {
                    self.write(" else ");
                    self.block(block, block.span.end);
                    return;
                }
                Some(ElseBranch::If(stmt)) => {
                    // The AST promises an `if` here; anything else would
                    // have no text to print.
                    let StmtKind::If {
                        cond: next_cond,
                        then_block: next_then,
                        else_branch: next_else,
                    } = &stmt.kind
                    else {
                        return;
                    };
                    self.write(" else ");
                    (cond, then_block, else_branch) = (next_cond, next_then, next_else.as_ref());
                }
            }
        }
    }
}

/// Where the part of a statement printed on its first line ends in the
/// source: comments before this point move before the statement.
fn stmt_header_end(stmt: &Stmt) -> usize {
    match &stmt.kind {
        StmtKind::If { then_block, .. } => then_block.span.start,
        StmtKind::For { body, .. } => body.span.start,
        _ => stmt.span.end,
    }
}
