//! The command table's row type and the one prologue every command shares, in Vault's order:
//! parse flags (exit 1 on a bad flag, 0 after `-h`), check the positional argument count
//! (exit 1), build the API client (exit 2), run. A command returns its exit code, or a `Fail`
//! that the prologue prints, so its own errors travel with `?`.

use std::fmt::Display;

use super::client::{Client, HTTP_FLAGS};
use super::flags::{parse, FlagSpec, ParseError, Parsed};
use super::output::{err, out, Ui, DETAILED_FLAG, FIELD_FLAG, FORMAT_FLAG};

/// Which of Vault's shared flag sets a command accepts besides the HTTP options.
#[derive(Clone, Copy)]
pub struct Opts {
    pub format: bool,
    pub field: bool,
    pub detailed: bool,
}

impl Opts {
    pub const HTTP: Opts = Opts { format: false, field: false, detailed: false };
    pub const OUTPUT: Opts = Opts { format: true, ..Opts::HTTP };
    pub const FIELD: Opts = Opts { field: true, ..Opts::OUTPUT };
    pub const DETAILED: Opts = Opts { detailed: true, ..Opts::OUTPUT };
}

/// A parsed command line with its API client.
pub struct Ctx {
    pub p: Parsed,
    pub ui: Ui,
    pub client: Client,
}

/// An error a command reports: printed on stderr, then the process exits with `code`.
#[derive(Debug)]
pub struct Fail {
    pub code: i32,
    pub msg: String,
}

impl Fail {
    /// Exit 2: what Vault's commands return when the server or the request failed.
    pub fn api(msg: impl Into<String>) -> Fail {
        Fail { code: 2, msg: msg.into() }
    }

    /// Exit 1: bad input on the command line, or a local file that could not be used.
    pub fn usage(msg: impl Into<String>) -> Fail {
        Fail { code: 1, msg: msg.into() }
    }

    /// The command has printed its error already (or printed help, with exit 0).
    pub fn reported(code: i32) -> Fail {
        Fail { code, msg: String::new() }
    }
}

/// A command's exit code once it has printed its result, or the error to print.
pub type Outcome = Result<i32, Fail>;

/// Words an error the way Vault's commands do: `<what>: <error>`.
pub trait OrFail<T> {
    /// The error as a `Fail::api` (exit 2).
    fn or_api(self, what: &str) -> Result<T, Fail>;
    /// The error as a `Fail::usage` (exit 1).
    fn or_usage(self, what: &str) -> Result<T, Fail>;
}

impl<T, E: Display> OrFail<T> for Result<T, E> {
    fn or_api(self, what: &str) -> Result<T, Fail> {
        self.map_err(|e| Fail::api(format!("{what}: {e}")))
    }

    fn or_usage(self, what: &str) -> Result<T, Fail> {
        self.map_err(|e| Fail::usage(format!("{what}: {e}")))
    }
}

/// How a row of the table runs.
pub enum Run {
    /// Shared prologue, then the handler with a client.
    Api(fn(Ctx) -> Outcome),
    /// Shared flag parsing, but no client: the command works locally (`policy fmt`) or builds
    /// its client itself (`status`, whose exit code 2 means "sealed").
    Local(fn(Parsed, Ui) -> Outcome),
    /// Parses its own arguments (`server`, `version`).
    Raw(fn(&[String]) -> i32),
    /// A group: its subcommands are the rows named `<name> <word>`.
    Group,
}

/// One row of the command table.
pub struct Command {
    /// The words that select it after the program name, e.g. `operator raft join`.
    pub name: &'static str,
    /// Its line in the help of its group.
    pub synopsis: &'static str,
    /// Printed for `-h`.
    pub usage: &'static str,
    pub flags: &'static [FlagSpec],
    pub opts: Opts,
    /// Allowed positional argument counts; `None` leaves the check to the command.
    pub args: Option<(usize, usize)>,
    pub run: Run,
}

impl Command {
    /// A group row.
    pub const fn group(name: &'static str, synopsis: &'static str) -> Command {
        Command { name, synopsis, usage: "", flags: &[], opts: Opts::HTTP, args: None, run: Run::Group }
    }

    /// Runs the command on `args` (the words after its name) and returns the exit code.
    pub fn exec(&self, args: &[String]) -> i32 {
        let outcome = match self.run {
            Run::Raw(f) => return f(args),
            Run::Group => return 1,
            Run::Api(f) => self.parse(args).and_then(|(p, ui)| match Client::from_flags(&p) {
                Ok(client) => f(Ctx { p, ui, client }),
                Err(e) => Err(Fail::api(e)),
            }),
            Run::Local(f) => self.parse(args).and_then(|(p, ui)| f(p, ui)),
        };
        match outcome {
            Ok(code) => code,
            Err(fail) => {
                if !fail.msg.is_empty() {
                    err(&fail.msg);
                }
                fail.code
            }
        }
    }

    /// Flags and the argument count; `-h` is a `Fail` with exit 0 after printing the usage.
    fn parse(&self, args: &[String]) -> Result<(Parsed, Ui), Fail> {
        let specs = self.flag_specs();
        let p = match parse(&specs, args) {
            Ok(p) => p,
            Err(ParseError::Help) => {
                out(&self.help(&specs));
                return Err(Fail::reported(0));
            }
            Err(ParseError::Invalid(msg)) => return Err(Fail::usage(msg)),
        };
        let ui = Ui::from_flags(&p);
        if let Some((min, max)) = self.args {
            let got = p.args.len();
            if got < min {
                return Err(Fail::usage(format!("Not enough arguments (expected {min}, got {got})")));
            }
            if got > max {
                return Err(Fail::usage(format!("Too many arguments (expected {max}, got {got})")));
            }
        }
        Ok((p, ui))
    }

    fn flag_specs(&self) -> Vec<&FlagSpec> {
        let mut specs: Vec<&FlagSpec> = HTTP_FLAGS.iter().collect();
        if self.opts.format {
            specs.push(&FORMAT_FLAG);
        }
        if self.opts.field {
            specs.push(&FIELD_FLAG);
        }
        if self.opts.detailed {
            specs.push(&DETAILED_FLAG);
        }
        specs.extend(self.flags.iter());
        specs
    }

    fn help(&self, specs: &[&FlagSpec]) -> String {
        let names: Vec<String> = specs
            .iter()
            .map(|f| {
                let mut s = format!("-{}", f.name);
                for a in f.aliases {
                    s.push_str(&format!(", -{a}"));
                }
                s
            })
            .collect();
        format!("{}\n\nFlags:\n  {}", self.usage, names.join("\n  "))
    }
}
