//! CIDR handling as Vault's `cidrutil` and `parseutil.ParseAddrs` do it, on top of `ipnet`.
//!
//! Two kinds of lists live on a role and its secret IDs:
//! - `secret_id_bound_cidrs` / `cidr_list`: strict CIDR blocks (`10.0.0.0/8`; a bare address is
//!   refused, as Go's `net.ParseCIDR` refuses it), checked against the client at login;
//! - `token_bound_cidrs`: addresses or blocks (`127.0.0.1` or `10.0.0.0/8`), handed to the token.
//!   They are rendered as go-sockaddr renders them: a single-host block loses its mask.

use ipnet::IpNet;
use std::net::IpAddr;

/// Go's `net.ParseCIDR`: an address, a slash and a prefix length.
pub(crate) fn parse_cidr(block: &str) -> Result<IpNet, String> {
    block.trim().parse::<IpNet>().map_err(|_| format!("invalid CIDR address: {block}"))
}

/// Vault's `cidrutil.ValidateCIDRListSlice`: every block must parse.
pub(crate) fn validate_cidrs(blocks: &[String]) -> Result<(), String> {
    blocks.iter().try_for_each(|b| parse_cidr(b).map(|_| ()))
}

/// Vault's `cidrutil.IPBelongsToCIDRBlocksSlice`: whether `ip` lies in any of `blocks`.
pub(crate) fn ip_in_blocks(ip: IpAddr, blocks: &[String]) -> Result<bool, String> {
    for block in blocks {
        if parse_cidr(block)?.contains(&ip) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Vault's `verifyCIDRRoleSecretIDSubset`: each block of the secret ID must sit inside one of
/// the role's blocks (a role block written as a bare address counts as a /32). An empty list on
/// either side satisfies the check.
pub(crate) fn verify_subset(secret_id_blocks: &[String], role_blocks: &[String]) -> Result<(), String> {
    if secret_id_blocks.is_empty() || role_blocks.is_empty() {
        return Ok(());
    }
    let role: Vec<String> =
        role_blocks.iter().map(|b| if b.contains('/') { b.clone() } else { format!("{b}/32") }).collect();
    let fail = || {
        format!(
            "failed to verify subset relationship between CIDR blocks on the role {} and CIDR blocks on the secret ID {}: %!w(<nil>)",
            go_quoted_list(&role),
            go_quoted_list(secret_id_blocks)
        )
    };
    let containers: Vec<IpNet> = role.iter().map(|b| parse_cidr(b)).collect::<Result<_, _>>().map_err(|_| fail())?;
    for block in secret_id_blocks {
        let inner = parse_cidr(block).map_err(|_| fail())?;
        if !containers.iter().any(|c| c.contains(&inner)) {
            return Err(fail());
        }
    }
    Ok(())
}

/// `parseutil.ParseAddrs` for `token_bound_cidrs`: addresses or blocks, rendered as go-sockaddr
/// does (no mask on a single-host block).
pub(crate) fn parse_addrs(items: &[String]) -> Result<Vec<String>, String> {
    items.iter().map(|s| parse_addr(s)).collect()
}

fn parse_addr(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let bad = || {
        format!(
            "error parsing address \"{raw}\": Unable to convert \"{raw}\" to an IPv4 or IPv6 address, or a UNIX Socket"
        )
    };
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    let net = s.parse::<IpNet>().map_err(|_| bad())?;
    Ok(if net.prefix_len() == net.max_prefix_len() { net.addr().to_string() } else { net.to_string() })
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cidr_blocks_need_a_mask() {
        assert!(validate_cidrs(&list(&["10.0.0.0/8", "::1/128", "10.1.2.3/8"])).is_ok());
        assert_eq!(validate_cidrs(&list(&["127.0.0.1"])).unwrap_err(), "invalid CIDR address: 127.0.0.1");
        assert_eq!(validate_cidrs(&list(&["bad"])).unwrap_err(), "invalid CIDR address: bad");
    }

    #[test]
    fn membership() {
        let blocks = list(&["10.0.0.0/8", "192.168.1.0/24"]);
        assert!(ip_in_blocks("10.9.8.7".parse().unwrap(), &blocks).unwrap());
        assert!(ip_in_blocks("192.168.1.200".parse().unwrap(), &blocks).unwrap());
        assert!(!ip_in_blocks("127.0.0.1".parse().unwrap(), &blocks).unwrap());
        assert!(!ip_in_blocks("::1".parse().unwrap(), &blocks).unwrap());
        assert!(ip_in_blocks("::1".parse().unwrap(), &list(&["::/0"])).unwrap());
    }

    #[test]
    fn subsets() {
        let role = list(&["10.0.0.0/8", "127.0.0.1"]);
        assert!(verify_subset(&list(&["10.1.0.0/16"]), &role).is_ok());
        assert!(verify_subset(&list(&["127.0.0.1/32"]), &role).is_ok());
        assert!(verify_subset(&[], &role).is_ok());
        assert!(verify_subset(&list(&["0.0.0.0/0"]), &[]).is_ok());
        let err = verify_subset(&list(&["10.0.0.0/8"]), &list(&["127.0.0.1/32"])).unwrap_err();
        assert_eq!(
            err,
            "failed to verify subset relationship between CIDR blocks on the role [\"127.0.0.1/32\"] and CIDR blocks on the secret ID [\"10.0.0.0/8\"]: %!w(<nil>)"
        );
        assert!(verify_subset(&list(&["11.0.0.0/8"]), &role).is_err());
        assert!(verify_subset(&list(&["0.0.0.0/0"]), &role).is_err(), "a wider block is no subset");
    }

    #[test]
    fn token_addresses_render_like_sockaddr() {
        let got = parse_addrs(&list(&["127.0.0.1", "127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"])).unwrap();
        assert_eq!(got, list(&["127.0.0.1", "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]));
        assert_eq!(
            parse_addrs(&list(&["nope"])).unwrap_err(),
            "error parsing address \"nope\": Unable to convert \"nope\" to an IPv4 or IPv6 address, or a UNIX Socket"
        );
    }
}
