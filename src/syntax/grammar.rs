//! The parser pest derives from grammar/dsmc.pest, and its `Rule`s. Its
//! own module so that both [`super::parser`] (which walks pest's tree) and
//! [`super::error`] (which words pest's errors) can name the rules without
//! depending on each other.

#[derive(pest_derive::Parser)]
#[grammar = "grammar/dsmc.pest"]
pub(super) struct DsParser;
