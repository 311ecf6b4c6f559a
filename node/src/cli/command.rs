//! The shared prologue of every command, in Vault's order: parse flags (exit 1 on a bad flag,
//! 0 after `-h`), check the positional argument count (exit 1), then build the API client.

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

pub struct Cmd {
    /// Printed for `-h`.
    pub usage: &'static str,
    pub flags: &'static [FlagSpec],
    pub opts: Opts,
    /// Allowed positional argument counts; `None` leaves the check to the command.
    pub args: Option<(usize, usize)>,
}

/// A parsed command line ready to run.
pub struct Ctx {
    pub p: Parsed,
    pub ui: Ui,
    pub client: Client,
}

impl Cmd {
    /// Parses `args` and builds the client; `Err` carries the exit code, already reported.
    pub fn prepare(&self, args: &[String]) -> Result<Ctx, i32> {
        self.prepare_with(args, 2)
    }

    /// Like `prepare`, with the exit code to use when the client cannot be built (`status`
    /// reserves 2 for "sealed").
    pub fn prepare_with(&self, args: &[String], client_err: i32) -> Result<Ctx, i32> {
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
        let p = match parse(&specs, args) {
            Ok(p) => p,
            Err(ParseError::Help) => {
                out(&self.help(&specs));
                return Err(0);
            }
            Err(ParseError::Invalid(msg)) => {
                err(&msg);
                return Err(1);
            }
        };
        let ui = Ui::from_flags(&p);
        if let Some((min, max)) = self.args {
            let got = p.args.len();
            if got < min {
                ui.err(&format!("Not enough arguments (expected {min}, got {got})"));
                return Err(1);
            }
            if got > max {
                ui.err(&format!("Too many arguments (expected {max}, got {got})"));
                return Err(1);
            }
        }
        match Client::from_flags(&p) {
            Ok(client) => Ok(Ctx { p, ui, client }),
            Err(e) => {
                ui.err(&e);
                Err(client_err)
            }
        }
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
