//! `path-help PATH`: the help a backend declares for a path (`GET /v1/PATH?help=1`), as Vault's
//! `vault path-help` prints it.

use reqwest::Method;
use serde_json::Value;

use super::command::{Cmd, Opts};
use super::gojson::Json;
use super::paths::sanitize_path;

const USAGE: &str = "Usage: strongbox path-help [options] PATH

  Retrieves API help for paths. All endpoints in Vault provide built-in help
  in markdown format. This includes system paths, secret engines, and auth
  methods.

  Get help for the thing mounted at database/:

      $ strongbox path-help database/

  The response object will return additional paths to retrieve help:

      $ strongbox path-help database/roles/";

pub fn run(args: &[String]) -> i32 {
    let cmd = Cmd { usage: USAGE, flags: &[], opts: Opts::OUTPUT, args: Some((1, 1)) };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let path = sanitize_path(&p.args[0]);
    let help = match client.send(Method::GET, &path, &[("help", "1".into())], None) {
        Ok((_, Some(e))) | Err(e) if e.to_string().contains("Vault is sealed") => {
            ui.err(
                "Error: Vault is sealed.\n\nThe \"path-help\" command requires the Vault to be unsealed so that the mount points of the secret engines are known.",
            );
            return 2;
        }
        Ok((_, Some(e))) | Err(e) => {
            ui.err(&format!("Error retrieving help: {e}"));
            return 2;
        }
        Ok((resp, None)) => match serde_json::from_slice::<Value>(&resp.body) {
            Ok(v) => v,
            Err(e) => {
                ui.err(&format!("Error retrieving help: {e}"));
                return 2;
            }
        },
    };
    if ui.is_table() {
        ui.out(help.get("help").and_then(Value::as_str).unwrap_or_default());
        return 0;
    }
    ui.json(&Json::from_value(&help))
}
