//! `lease lookup | renew | revoke`: the expiration manager through `sys/leases/*`, with the Go
//! client's request shapes (`Sys().Lookup`, `Sys().Renew`, `Sys().RevokeWithOptions`).

use reqwest::Method;
use serde_json::json;

use super::client::{Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::paths::join;
use super::secret::Secret;
use super::table::wrap_at_length;

pub const COMMANDS: &[Command] = &[
    Command::group("lease", "Interact with leases"),
    // `lookup` and `renew` check their argument count themselves ("Missing ID!").
    Command {
        name: "lease lookup",
        synopsis: "Lookup the lease of a secret",
        usage: "Usage: strongbox lease lookup ID\n\n  Lookup the lease information of a secret.\n\n  Every secret in Vault has a lease associated with it. Users can look up\n  information on the lease by referencing the lease ID.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(lookup),
    },
    Command {
        name: "lease renew",
        synopsis: "Renews the lease of a secret",
        usage: "Usage: strongbox lease renew [options] ID\n\n  Renews the lease on a secret, extending the time that it can be used before\n  it is revoked by Vault. The ID is the full path lease ID.\n\n  Lease renewal will fail if the secret is not renewable, the secret has already\n  been revoked, or if the secret has already reached its maximum TTL.",
        flags: RENEW_FLAGS,
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(renew),
    },
    Command {
        name: "lease revoke",
        synopsis: "Revokes leases and secrets",
        usage: "Usage: strongbox lease revoke [options] ID\n\n  Revokes secrets by their lease ID. This command can revoke a single secret\n  or multiple secrets based on a path-matched prefix.\n\n  The default behavior when not using -force is to revoke asynchronously; Vault\n  will queue the revocation and keep trying if it fails (including across\n  restarts). The -sync flag can be used to force a synchronous operation, but\n  it is then up to the caller to retry on failure. Force mode always operates\n  synchronously.",
        flags: REVOKE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(revoke),
    },
];

const RENEW_FLAGS: &[FlagSpec] = &[flag("increment", FlagKind::Dur)];

const REVOKE_FLAGS: &[FlagSpec] = &[
    FlagSpec { name: "force", aliases: &["f"], kind: FlagKind::Bool },
    flag("prefix", FlagKind::Bool),
    flag("sync", FlagKind::Bool),
];

/// The lease ID argument: "Missing ID!" without one, `too_many` for more.
fn lease_id(args: &[String], too_many: &str) -> Result<String, Fail> {
    match args {
        [] => Err(Fail::usage("Missing ID!")),
        [id] => Ok(id.trim().to_string()),
        _ => Err(Fail::usage(format!("Too many arguments (expected {too_many}, got {})", args.len()))),
    }
}

fn put(client: &Client, path: &str, body: serde_json::Value) -> Result<Secret, String> {
    client
        .request(Method::PUT, path, &[], Some(Body::Json(Json::from_value(&body))))
        .map(Option::unwrap_or_default)
        .map_err(|e| e.to_string())
}

fn lookup(Ctx { p, ui, client }: Ctx) -> Outcome {
    let id = lease_id(&p.args, "1")?;
    let secret = put(&client, "sys/leases/lookup", json!({ "lease_id": id }))
        .or_api(&format!("error looking up lease id {id}"))?;
    Ok(ui.secret(&secret))
}

fn renew(Ctx { p, ui, client }: Ctx) -> Outcome {
    let id = lease_id(&p.args, "1-2")?;
    // `truncateToSeconds`; a negative increment is sent as it is.
    let increment = (p.dur("increment").unwrap_or(0) / 1_000_000_000) as i64;
    let secret = put(&client, "sys/leases/renew", json!({ "increment": increment, "lease_id": id }))
        .or_api(&format!("Error renewing {id}"))?;
    Ok(ui.secret(&secret))
}

fn revoke(Ctx { p, ui, client }: Ctx) -> Outcome {
    let force = p.bool("force").unwrap_or(false);
    let prefix = p.bool("prefix").unwrap_or(false);
    let sync = p.bool("sync").unwrap_or(false);
    if force && !prefix {
        return Err(Fail::usage("Specifying -force requires also specifying -prefix"));
    }
    let id = p.args[0].trim().to_string();
    let endpoint = match (force, prefix) {
        (true, _) => "sys/leases/revoke-force",
        (false, true) => "sys/leases/revoke-prefix",
        _ => "sys/leases/revoke",
    };
    // The Go client joins (and so cleans) the path: a trailing slash of a prefix goes.
    let path = join(&[endpoint, &id]);
    let body = (!force).then(|| Body::Json(Json::Obj(vec![("sync".into(), Json::Bool(sync))])));
    if force {
        ui.err(&wrap_at_length(
            "Warning! Force-removing leases can cause Vault to become out of sync with secret engines!",
            0,
        ));
    }
    let what = match (force, prefix) {
        (true, _) => format!("Error force revoking leases with prefix {id}"),
        (false, true) => format!("Error revoking leases with prefix {id}"),
        _ => format!("Error revoking lease {id}"),
    };
    client.raw(Method::PUT, &path, body).or_api(&what)?;
    let done = match (force, sync, prefix) {
        (true, _, _) => format!("Success! Force revoked any leases with prefix: {id}"),
        (false, true, true) => format!("Success! Revoked any leases with prefix: {id}"),
        (false, true, false) => format!("Success! Revoked lease: {id}"),
        (false, false, _) => "All revocation operations queued successfully!".to_string(),
    };
    ui.out(&done);
    Ok(0)
}
