//! ARCHITECTURE.md and docs/language.md against the tree: every path the
//! map names exists, and every diagnostic code the source can emit is
//! documented (and every documented code is still in the source).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, as paths relative to `dir` with `/` separators,
/// without `target` and hidden directories.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if path.is_dir() {
                out.push(format!("{}/", rel(dir, &path)));
                stack.push(path);
            } else {
                out.push(rel(dir, &path));
            }
        }
    }
    out
}

fn rel(base: &Path, path: &Path) -> String {
    let r = path.strip_prefix(base).unwrap_or(path);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `*` matches any run of characters (`/` included).
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| wildcard(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && wildcard(rest, &text[1..]),
    }
}

/// Whether `token` names something under one of `bases`: the path itself,
/// a wildcard pattern, or (for a bare file or directory name) a path that
/// ends with it somewhere below a base.
fn names_something(bases: &[PathBuf], token: &str) -> bool {
    bases.iter().any(|base| {
        if token.contains('*') {
            // Matched against every path below the base, from any directory.
            let pattern = format!("*/{token}");
            return files_under(base)
                .iter()
                .any(|f| wildcard(pattern.as_bytes(), format!("/{f}").as_bytes()));
        }
        if base.join(token.trim_end_matches('/')).exists() {
            return true;
        }
        let suffix = format!("/{token}");
        files_under(base).iter().any(|f| f.ends_with(&suffix))
    })
}

fn looks_like_path(token: &str) -> bool {
    const EXTENSIONS: [&str; 10] = [
        ".rs", ".md", ".pest", ".py", ".json", ".toml", ".sh", ".ds", ".yml", ".snap",
    ];
    !token.is_empty()
        && !token.starts_with('/')
        && !token.starts_with('.')
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./*-".contains(c))
        && (token.contains('/') || EXTENSIONS.iter().any(|e| token.ends_with(e)))
}

/// The paths ARCHITECTURE.md names: in backquotes anywhere, and bare
/// `src/...`-style paths in the prose. Each with the directories of the
/// `###` heading it appears under.
fn named_paths(text: &str) -> Vec<(String, Vec<String>)> {
    const TOP: [&str; 9] = [
        "src/",
        "tests/",
        "docs/",
        "bench/",
        "crosscheck/",
        "fuzz/",
        "tools/",
        "grammar/",
        "specs/",
    ];
    let mut out = Vec::new();
    let mut section: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            section = heading
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|t| looks_like_path(t))
                .map(|t| {
                    if t.ends_with('/') {
                        t.to_string()
                    } else {
                        match t.rfind('/') {
                            Some(i) => t[..=i].to_string(),
                            None => String::new(),
                        }
                    }
                })
                .collect();
        }
        if line.starts_with("```") || line.starts_with("  └") {
            continue;
        }
        let quoted: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        for token in &quoted {
            if looks_like_path(token) {
                out.push((token.to_string(), section.clone()));
            }
        }
        let unquoted: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for word in unquoted.split(|c: char| c.is_whitespace() || "(),;:".contains(c)) {
            let word = word.trim_end_matches('.');
            if TOP.iter().any(|t| word.starts_with(t)) && looks_like_path(word) {
                out.push((word.to_string(), section.clone()));
            }
        }
    }
    out
}

#[test]
fn every_path_the_architecture_names_exists() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let named = named_paths(&text);
    assert!(named.len() > 50, "too few paths found: {}", named.len());
    let mut missing = BTreeSet::new();
    for (token, section) in &named {
        let mut bases = vec![root.clone(), root.join("src")];
        bases.extend(section.iter().map(|d| root.join(d)));
        if !names_something(&bases, token) {
            missing.insert(format!("{token} (under {section:?})"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist:\n  {}",
        missing.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}

/// Every `"dsmc::stage::kind"` string literal in the source.
fn codes_in_source() -> BTreeSet<String> {
    let src = root().join("src");
    let mut codes = BTreeSet::new();
    for file in files_under(&src) {
        if !file.ends_with(".rs") {
            continue;
        }
        let text = std::fs::read_to_string(src.join(&file)).unwrap();
        let pieces: Vec<&str> = text.split("\"dsmc::").collect();
        for (before, piece) in pieces.iter().zip(&pieces[1..]) {
            // A prefix that codes are matched by is not a code.
            if before.trim_end().ends_with("starts_with(") {
                continue;
            }
            let Some(end) = piece.find('"') else { continue };
            let code = &piece[..end];
            let parts: Vec<&str> = code.split("::").collect();
            if parts.len() == 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                })
            {
                codes.insert(format!("dsmc::{code}"));
            }
        }
    }
    codes
}

#[test]
fn every_diagnostic_code_is_documented_and_every_documented_code_exists() {
    let root = root();
    let language = std::fs::read_to_string(root.join("docs/language.md")).unwrap();
    let codes = codes_in_source();
    assert!(codes.len() > 80, "too few codes found: {}", codes.len());
    let undocumented: Vec<&String> = codes
        .iter()
        .filter(|c| !language.contains(&format!("`{c}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes the source can emit that docs/language.md does not list: {undocumented:?}"
    );
    // The tables of docs/language.md: a row per code.
    let documented: BTreeSet<String> = language
        .lines()
        .filter_map(|l| l.strip_prefix("| `dsmc::"))
        .filter_map(|l| l.split('`').next())
        .map(|c| format!("dsmc::{c}"))
        .collect();
    assert!(
        documented.len() > 80,
        "too few table rows: {}",
        documented.len()
    );
    let stale: Vec<&String> = documented.difference(&codes).collect();
    assert!(
        stale.is_empty(),
        "codes docs/language.md lists that nothing in src/ emits: {stale:?}"
    );
}
