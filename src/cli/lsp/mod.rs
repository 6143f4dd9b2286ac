//! `dsmc lsp`: a language server over stdin and stdout.
//!
//! It keeps the text of every open spec, runs the front end on it after each
//! change ([`dsmc::front::check_source`], the same call `dsmc check` makes)
//! and publishes the errors and warnings; it answers hover,
//! go-to-definition, references, rename and completion from the names the
//! type checker recorded ([`dsmc::index::Index`], worded by
//! [`analysis::Analysis`]) and document symbols from the syntax tree.
//! Everything is synchronous: the front end takes milliseconds on a spec,
//! so there is no queue to cancel.
//!
//! The messages are rust-analyzer's `lsp-server` types and the protocol's
//! `lsp-types`; the framing is [`transport`]'s, bounded (a message over 64
//! MiB is refused unread) and forgiving (garbage is skipped up to the next
//! header, a body that is not a message answered with an error), so no
//! input ends the server but `exit` or the end of the stream. Nothing here
//! may print to stdout, which carries the protocol; messages for people go
//! to stderr.

mod analysis;
mod outline;
mod position;
mod transport;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use dsmc::diagnostic::{Diagnostic, Severity};
use dsmc::front::{FrontEnd, check_source};
use dsmc::syntax::ast::Span;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, CompletionParams, CompletionResponse,
    PrepareRenameResponse, RenameOptions, RenameParams, TextEdit, WorkspaceEdit,
};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentHighlight, DocumentHighlightParams, DocumentSymbolParams, DocumentSymbolResponse,
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams,
    HoverProviderCapability, InitializeResult, Location, MarkupContent, MarkupKind, NumberOrString,
    OneOf, PositionEncodingKind, PublishDiagnosticsParams, ReferenceParams, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use analysis::{Analysis, CompletionKind};
use dsmc::lines::LineIndex;
use position::LspPositions;

use super::report::eprint_line;

/// The exit code after `shutdown` then `exit`, as the protocol asks.
const EXIT_OK: u8 = 0;
/// The exit code when the client exits without `shutdown`, or the
/// connection breaks.
const EXIT_ABNORMAL: u8 = 1;

/// Runs the server on stdin and stdout until the client says `exit`;
/// returns the exit code.
pub fn run() -> u8 {
    let mut connection = Connection {
        reader: transport::Reader::new(std::io::stdin().lock()),
        output: std::io::stdout().lock(),
    };
    match serve(&mut connection) {
        Ok(code) => code,
        Err(e) => {
            eprint_line(&format!("dsmc lsp: {e}"));
            EXIT_ABNORMAL
        }
    }
}

/// The client at the other end: messages in, messages out. Reading and
/// writing are synchronous, one message at a time: the front end takes
/// milliseconds, and a client that stops reading holds the server back
/// instead of filling its memory.
struct Connection<R, W> {
    reader: transport::Reader<R>,
    output: W,
}

impl<R: std::io::BufRead, W: std::io::Write> Connection<R, W> {
    /// The next message; `None` when the client closed the stream. What
    /// is not a message is said on stderr and, where the protocol asks,
    /// answered with an error.
    fn receive(&mut self) -> std::io::Result<Option<Message>> {
        loop {
            match self.reader.next()? {
                None => return Ok(None),
                Some(transport::Incoming::Message(message)) => return Ok(Some(message)),
                Some(transport::Incoming::Skipped { bytes, why }) => {
                    eprint_line(&format!(
                        "dsmc lsp: skipped {bytes} bytes of input that were no message ({why})"
                    ));
                }
                Some(transport::Incoming::Refused { why, code, id }) => {
                    eprint_line(&format!("dsmc lsp: {why}"));
                    transport::write_error(&mut self.output, code, &id, &why)?;
                }
            }
        }
    }

    fn send(&mut self, message: impl Into<Message>) -> std::io::Result<()> {
        transport::write_message(&mut self.output, message.into())
    }
}

/// What the server advertises.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// The handshake and the message loop.
fn serve<R: std::io::BufRead, W: std::io::Write>(
    connection: &mut Connection<R, W>,
) -> std::io::Result<u8> {
    // Before `initialize`, requests are refused and notifications other
    // than `exit` ignored, as the protocol asks.
    let id = loop {
        match connection.receive()? {
            None => return Ok(EXIT_ABNORMAL),
            Some(Message::Request(request)) if request.method == "initialize" => break request.id,
            Some(Message::Request(request)) => connection.send(Response::new_err(
                request.id,
                ErrorCode::ServerNotInitialized as i32,
                format!("expected `initialize` first, got `{}`", request.method),
            ))?,
            Some(Message::Notification(note)) if note.method == "exit" => {
                return Ok(EXIT_ABNORMAL);
            }
            Some(_) => {}
        }
    };
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "dsmc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    // `initialized` is handled by the loop below (and ignored) rather than
    // awaited here, so a client that sends something else first still works.
    connection.send(Response::new_ok(id, result))?;
    let mut server = Server {
        documents: HashMap::new(),
        shut_down: false,
        outbox: Vec::new(),
    };
    while let Some(message) = connection.receive()? {
        match message {
            Message::Request(request) => {
                let response = server.request(request);
                connection.send(response)?;
            }
            Message::Notification(note) if note.method == "exit" => {
                return Ok(if server.shut_down {
                    EXIT_OK
                } else {
                    EXIT_ABNORMAL
                });
            }
            Message::Notification(note) => server.notification(note),
            // The server sends no requests, so expects no responses.
            Message::Response(_) => {}
        }
        for note in server.outbox.drain(..) {
            connection.send(note)?;
        }
    }
    // The client closed the stream without `exit`.
    Ok(EXIT_ABNORMAL)
}

/// Where a symbol is named in a document.
struct Uses<'d> {
    declaration: Span,
    /// Every place, the declaration included, in source order.
    spans: Vec<Span>,
    lines: LineIndex<'d>,
}

/// An open spec.
struct Document {
    text: String,
    version: Option<i32>,
    front: FrontEnd,
    /// `None` when the text does not parse.
    analysis: Option<Analysis>,
}

impl Document {
    fn new(text: String, version: Option<i32>) -> Document {
        let mut front = check_source(&text, &[]);
        let analysis = match (&front.ast, front.index.take()) {
            (Some(ast), Some(index)) => Some(Analysis::new(&text, ast, index)),
            _ => None,
        };
        Document {
            text,
            version,
            front,
            analysis,
        }
    }
}

struct Server {
    documents: HashMap<Uri, Document>,
    /// `shutdown` was received: only `exit` is expected now.
    shut_down: bool,
    /// Notifications to send after the current message.
    outbox: Vec<Notification>,
}

impl Server {
    /// Answers a request. A panic while answering becomes an error response
    /// instead of ending the server.
    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        if self.shut_down {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shut down".into(),
            );
        }
        if request.method == "shutdown" {
            self.shut_down = true;
            return Response::new_ok(id, ());
        }
        let method = request.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(request))) {
            Ok(response) => response,
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("dsmc lsp failed on `{method}`; please report it"),
            ),
        }
    }

    fn dispatch(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            "textDocument/hover" => answer(id, request.params, |p: HoverParams| self.hover(&p)),
            "textDocument/definition" => answer(id, request.params, |p: GotoDefinitionParams| {
                self.definition(&p)
            }),
            "textDocument/references" => {
                answer(id, request.params, |p: ReferenceParams| self.references(&p))
            }
            "textDocument/documentHighlight" => {
                answer(id, request.params, |p: DocumentHighlightParams| {
                    self.highlights(&p)
                })
            }
            "textDocument/completion" => answer(id, request.params, |p: CompletionParams| {
                self.completion(&p)
            }),
            "textDocument/prepareRename" => {
                answer(id, request.params, |p: TextDocumentPositionParams| {
                    self.prepare_rename(&p)
                })
            }
            "textDocument/rename" => match serde_json::from_value::<RenameParams>(request.params) {
                Ok(p) => match self.rename(&p) {
                    Ok(edit) => Response::new_ok(id, edit),
                    Err(why) => Response::new_err(id, ErrorCode::RequestFailed as i32, why),
                },
                Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
            },
            "textDocument/documentSymbol" => {
                answer(id, request.params, |p: DocumentSymbolParams| {
                    self.symbols(&p)
                })
            }
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("dsmc lsp does not handle `{method}`"),
            ),
        }
    }

    /// Handles a notification; a panic while doing so is reported on stderr
    /// and the server goes on.
    fn notification(&mut self, note: Notification) {
        let method = note.method.clone();
        if catch_unwind(AssertUnwindSafe(|| self.notify(note))).is_err() {
            eprint_line(&format!("dsmc lsp: failed on `{method}`"));
        }
    }

    fn notify(&mut self, note: Notification) {
        match note.method.as_str() {
            "textDocument/didOpen" => {
                if let Some(p) = params::<DidOpenTextDocumentParams>(note.params) {
                    let doc = p.text_document;
                    self.update(doc.uri, doc.text, Some(doc.version));
                }
            }
            "textDocument/didChange" => {
                if let Some(p) = params::<DidChangeTextDocumentParams>(note.params) {
                    let uri = p.text_document.uri;
                    let mut text = match self.documents.remove(&uri) {
                        Some(doc) => doc.text,
                        None => String::new(),
                    };
                    for change in p.content_changes {
                        match change.range {
                            // Full sync is advertised; a ranged change is
                            // applied all the same.
                            Some(range) => {
                                let lines = LineIndex::new(&text);
                                let start = lines.lsp_offset(range.start);
                                let end = lines.lsp_offset(range.end).max(start);
                                text.replace_range(start..end, &change.text);
                            }
                            None => text = change.text,
                        }
                    }
                    self.update(uri, text, Some(p.text_document.version));
                }
            }
            "textDocument/didSave" => {
                if let Some(p) = params::<DidSaveTextDocumentParams>(note.params) {
                    let uri = p.text_document.uri;
                    let known = self.documents.remove(&uri);
                    let version = known.as_ref().and_then(|d| d.version);
                    if let Some(text) = p.text.or(known.map(|d| d.text)) {
                        self.update(uri, text, version);
                    }
                }
            }
            "textDocument/didClose" => {
                if let Some(p) = params::<DidCloseTextDocumentParams>(note.params) {
                    self.documents.remove(&p.text_document.uri);
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            // `initialized`, `$/cancelRequest`, `$/setTrace`, ...
            _ => {}
        }
    }

    /// Checks a new text of a document and publishes its diagnostics.
    fn update(&mut self, uri: Uri, text: String, version: Option<i32>) {
        let doc = Document::new(text, version);
        let lines = LineIndex::new(&doc.text);
        let diagnostics = doc
            .front
            .diagnostics
            .iter()
            .map(|d| to_lsp(d, &lines, &uri))
            .collect();
        self.publish(uri.clone(), diagnostics, version);
        self.documents.insert(uri, doc);
    }

    fn publish(&mut self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.outbox.push(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        ));
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let at = &p.text_document_position_params;
        let doc = self.documents.get(&at.text_document.uri)?;
        let lines = LineIndex::new(&doc.text);
        let analysis = doc.analysis.as_ref()?;
        let (span, id) = analysis.at(lines.lsp_offset(at.position))?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: analysis.hover(id)?,
            }),
            range: Some(lines.lsp_range(span)),
        })
    }

    fn definition(&self, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let at = &p.text_document_position_params;
        let doc = self.documents.get(&at.text_document.uri)?;
        let lines = LineIndex::new(&doc.text);
        let analysis = doc.analysis.as_ref()?;
        let (_, id) = analysis.at(lines.lsp_offset(at.position))?;
        Some(GotoDefinitionResponse::Scalar(Location {
            uri: at.text_document.uri.clone(),
            range: lines.lsp_range(analysis.declaration(id)?),
        }))
    }

    /// The places that name the symbol under the cursor, with the place
    /// that declares it.
    fn uses(&self, at: &TextDocumentPositionParams) -> Option<Uses<'_>> {
        let doc = self.documents.get(&at.text_document.uri)?;
        let lines = LineIndex::new(&doc.text);
        let analysis = doc.analysis.as_ref()?;
        let (_, id) = analysis.at(lines.lsp_offset(at.position))?;
        Some(Uses {
            declaration: analysis.declaration(id)?,
            spans: analysis.references_to(id),
            lines,
        })
    }

    fn references(&self, p: &ReferenceParams) -> Option<Vec<Location>> {
        let at = &p.text_document_position;
        let uses = self.uses(at)?;
        Some(
            uses.spans
                .iter()
                .filter(|&&span| p.context.include_declaration || span != uses.declaration)
                .map(|&span| Location {
                    uri: at.text_document.uri.clone(),
                    range: uses.lines.lsp_range(span),
                })
                .collect(),
        )
    }

    fn highlights(&self, p: &DocumentHighlightParams) -> Option<Vec<DocumentHighlight>> {
        let uses = self.uses(&p.text_document_position_params)?;
        Some(
            uses.spans
                .iter()
                .map(|&span| DocumentHighlight {
                    range: uses.lines.lsp_range(span),
                    kind: None,
                })
                .collect(),
        )
    }

    /// The name under the cursor, if it can be renamed.
    fn prepare_rename(&self, at: &TextDocumentPositionParams) -> Option<PrepareRenameResponse> {
        let doc = self.documents.get(&at.text_document.uri)?;
        let lines = LineIndex::new(&doc.text);
        let (span, _) = doc.analysis.as_ref()?.at(lines.lsp_offset(at.position))?;
        Some(PrepareRenameResponse::Range(lines.lsp_range(span)))
    }

    /// Every place that names the symbol under the cursor, renamed; an
    /// error when the new name is not a name.
    fn rename(&self, p: &RenameParams) -> Result<Option<WorkspaceEdit>, String> {
        if !is_name(&p.new_name) {
            return Err(format!("`{}` is not a name", p.new_name));
        }
        let at = &p.text_document_position;
        let Some(uses) = self.uses(at) else {
            return Ok(None);
        };
        let edits = uses
            .spans
            .iter()
            .map(|&span| TextEdit {
                range: uses.lines.lsp_range(span),
                new_text: p.new_name.clone(),
            })
            .collect();
        Ok(Some(WorkspaceEdit {
            changes: Some(HashMap::from([(at.text_document.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }))
    }

    /// The names that may be written at the cursor. On a name, the
    /// document's own; elsewhere (after a dot or an operator, where the text
    /// does not parse yet) the text is checked again with a placeholder
    /// name at the cursor, which the checker resolves like any other name.
    fn completion(&self, p: &CompletionParams) -> Option<CompletionResponse> {
        const PLACEHOLDER: &str = "dsmc_completion_placeholder";
        let at = &p.text_document_position;
        let doc = self.documents.get(&at.text_document.uri)?;
        let lines = LineIndex::new(&doc.text);
        let offset = lines.lsp_offset(at.position);
        let on_name = doc
            .text
            .get(..offset)
            .and_then(|before| before.chars().next_back())
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let completions = match &doc.analysis {
            Some(analysis) if on_name => analysis.completions(offset),
            _ => {
                let mut text = doc.text.clone();
                text.insert_str(offset, PLACEHOLDER);
                let mut front = check_source(&text, &[]);
                match (&front.ast, front.index.take(), &doc.analysis) {
                    (Some(ast), Some(index), _) => {
                        Analysis::new(&text, ast, index).completions(offset)
                    }
                    (_, _, Some(analysis)) => analysis.completions(offset),
                    _ => Vec::new(),
                }
            }
        };
        let items = completions
            .into_iter()
            .filter(|c| c.label != PLACEHOLDER)
            .map(|c| CompletionItem {
                label: c.label,
                kind: Some(match c.kind {
                    CompletionKind::Constant => CompletionItemKind::CONSTANT,
                    CompletionKind::Type => CompletionItemKind::TYPE_PARAMETER,
                    CompletionKind::Message => CompletionItemKind::STRUCT,
                    CompletionKind::Node => CompletionItemKind::CLASS,
                    CompletionKind::Variable => CompletionItemKind::FIELD,
                    CompletionKind::Field => CompletionItemKind::FIELD,
                    CompletionKind::Variant => CompletionItemKind::ENUM_MEMBER,
                    CompletionKind::Local => CompletionItemKind::VARIABLE,
                    CompletionKind::Function => CompletionItemKind::FUNCTION,
                }),
                detail: c.detail,
                ..CompletionItem::default()
            })
            .collect();
        Some(CompletionResponse::Array(items))
    }

    fn symbols(&self, p: &DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let doc = self.documents.get(&p.text_document.uri)?;
        let ast = doc.front.ast.as_ref()?;
        let lines = LineIndex::new(&doc.text);
        Some(DocumentSymbolResponse::Nested(outline::outline(
            &doc.text, ast, &lines,
        )))
    }
}

/// Whether a text can be written as a name: an identifier that is not a
/// reserved word (the grammar's `ident`).
fn is_name(text: &str) -> bool {
    const RESERVED: [&str; 9] = [
        "true", "false", "self", "all", "forall", "exists", "in", "if", "else",
    ];
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
        && !RESERVED.contains(&text)
}

/// Reads a request's parameters and answers with `handle`'s result (`null`
/// for `None`), or with an error when the parameters do not fit.
fn answer<P: DeserializeOwned, R: Serialize>(
    id: RequestId,
    params: serde_json::Value,
    handle: impl FnOnce(P) -> Option<R>,
) -> Response {
    match serde_json::from_value::<P>(params) {
        Ok(p) => Response::new_ok(id, handle(p)),
        Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
    }
}

/// A notification's parameters, or `None` (reported on stderr) when they do
/// not fit: a notification has no response to carry an error.
fn params<P: DeserializeOwned>(value: serde_json::Value) -> Option<P> {
    match serde_json::from_value(value) {
        Ok(p) => Some(p),
        Err(e) => {
            eprint_line(&format!("dsmc lsp: invalid notification parameters: {e}"));
            None
        }
    }
}

/// A dsmc diagnostic as the protocol's: the primary label gives the range,
/// the others become related information, the help follows the message.
fn to_lsp(d: &Diagnostic, lines: &LineIndex<'_>, uri: &Uri) -> lsp_types::Diagnostic {
    let primary = d.labels.iter().find(|l| l.primary);
    let range = lines.lsp_range(primary.map_or_else(Default::default, |l| l.span));
    let mut message = d.message.clone();
    if let Some(label) = primary
        && !label.message.is_empty()
        && label.message != d.message
    {
        message.push_str(&format!("\n{}", label.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| DiagnosticRelatedInformation {
            location: Location {
                uri: uri.clone(),
                range: lines.lsp_range(l.span),
            },
            message: if l.message.is_empty() {
                "related".into()
            } else {
                l.message.clone()
            },
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.into())),
        code_description: None,
        source: Some("dsmc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        // Editors grey out what is never used.
        tags: d
            .code
            .starts_with("dsmc::lint::unused")
            .then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spec and test case of the repository, and prefixes of some, as
    /// an editor sees them while the spec is typed.
    fn texts() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("specs"), root.join("tests/cases")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "ds") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut texts: Vec<String> = files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        assert!(texts.len() > 20, "the specs are found");
        let two_phase = texts
            .iter()
            .find(|t| t.contains("protocol TwoPhaseCommit"))
            .cloned()
            .unwrap_or_default();
        let mut end = 0;
        while end < two_phase.len() {
            if two_phase.is_char_boundary(end) {
                texts.push(two_phase[..end].to_string());
            }
            end += 97;
        }
        texts
    }

    #[test]
    fn every_offset_of_every_spec_is_answered_without_panic() {
        for text in texts() {
            let doc = Document::new(text, None);
            let lines = LineIndex::new(&doc.text);
            let uri: Uri = "file:///spec.ds".parse().expect("a valid URI");
            for d in &doc.front.diagnostics {
                let lsp = to_lsp(d, &lines, &uri);
                assert!(lsp.range.start <= lsp.range.end);
            }
            if let (Some(ast), Some(analysis)) = (&doc.front.ast, &doc.analysis) {
                let symbols = outline::outline(&doc.text, ast, &lines);
                for s in &symbols {
                    assert!(s.range.start <= s.selection_range.start);
                    assert!(s.selection_range.end <= s.range.end);
                }
                for offset in 0..=doc.text.len() + 1 {
                    if let Some((span, id)) = analysis.at(offset) {
                        assert!(span.start <= offset && offset <= span.end);
                        assert!(analysis.hover(id).is_some_and(|h| !h.is_empty()));
                        let declared = analysis.declaration(id).expect("a declaration");
                        assert!(doc.text.get(declared.start..declared.end).is_some());
                    }
                    let _ = analysis.completions(offset);
                }
            }
        }
    }

    #[test]
    fn diagnostics_carry_code_help_and_related_information() {
        let text = "protocol P\nnode A {\n  var x: bool = false\n  var x: bool = true\n}\n";
        let doc = Document::new(text.to_string(), None);
        let lines = LineIndex::new(&doc.text);
        let uri: Uri = "file:///spec.ds".parse().expect("a valid URI");
        let d = doc
            .front
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .expect("a duplicate is an error");
        let lsp = to_lsp(d, &lines, &uri);
        assert_eq!(lsp.code, Some(NumberOrString::String(d.code.into())));
        assert_eq!(lsp.severity, Some(DiagnosticSeverity::ERROR));
        let related = lsp.related_information.expect("the first declaration");
        assert_eq!(related[0].location.range.start.line, 2);
        assert_eq!(lsp.range.start.line, 3);
        if let Some(help) = &d.help {
            assert!(lsp.message.ends_with(&format!("help: {help}")));
        }
    }
}
