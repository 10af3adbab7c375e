//! The thin binary: parse arguments, run, map the result to an exit code.

use clap::Parser;
use twinbuild::cli::{self, Cli};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { cli::EXIT_ERROR } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("twinbuild: error: {}", one_line(&e));
            cli::EXIT_ERROR
        }
    };
    std::process::exit(code);
}

/// The error chain, outermost first, on one line.
fn one_line(e: &anyhow::Error) -> String {
    let parts: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    parts.join(": ")
}
