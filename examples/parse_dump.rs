//! Prints the AST of a spec: `cargo run --example parse_dump -- specs/2pc.ds`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_dump FILE");
    let source = std::fs::read_to_string(&path).expect("readable file");
    match dsmc::syntax::parse(&source) {
        Ok(spec) => println!("{spec:#?}"),
        Err(errors) => {
            for e in errors {
                println!("{:?}", e.to_diagnostic());
            }
        }
    }
}
