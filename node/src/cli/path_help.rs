//! `path-help PATH`: the help a backend declares for a path (`GET /v1/PATH?help=1`), as Vault's
//! `vault path-help` prints it.

use reqwest::Method;
use serde_json::Value;

use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
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

pub const COMMANDS: &[Command] = &[Command {
    name: "path-help",
    synopsis: "Retrieve API help for paths",
    usage: USAGE,
    flags: &[],
    opts: Opts::OUTPUT,
    args: Some((1, 1)),
    run: Run::Api(path_help),
}];

fn path_help(Ctx { p, ui, client }: Ctx) -> Outcome {
    let path = sanitize_path(&p.args[0]);
    let help = match client.send(Method::GET, &path, &[("help", "1".into())], None) {
        Ok((_, Some(e))) | Err(e) if e.to_string().contains("Vault is sealed") => {
            return Err(Fail::api(
                "Error: Vault is sealed.\n\nThe \"path-help\" command requires the Vault to be unsealed so that the mount points of the secret engines are known.",
            ));
        }
        Ok((_, Some(e))) | Err(e) => return Err(Fail::api(format!("Error retrieving help: {e}"))),
        Ok((resp, None)) => serde_json::from_slice::<Value>(&resp.body).or_api("Error retrieving help")?,
    };
    if ui.is_table() {
        ui.out(help.get("help").and_then(Value::as_str).unwrap_or_default());
        return Ok(0);
    }
    Ok(ui.json(&Json::from_value(&help)))
}
