//! Token lifetimes as Vault computes them (`framework.CalculateTTL`): a TTL is the increment, the
//! token's own TTL or the system default, capped so the token never outlives its issue time plus
//! the effective max TTL (system max, narrowed by explicit_max_ttl); periodic tokens get their
//! period each time, bounded only by explicit_max_ttl.

use crate::duration::format_duration;
use crate::CoreError;
use chrono::{DateTime, Duration, Utc};

/// The system (token mount) TTLs, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysTtls {
    pub default_ttl: u64,
    pub max_ttl: u64,
}

/// The inputs of one TTL calculation, in seconds (0 = not set).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TtlInput {
    pub increment: u64,
    pub backend_ttl: u64,
    pub period: u64,
    pub explicit_max_ttl: u64,
}

/// Go's `Duration.String()` without zero units ("3h", "1h30m", "45s"), as Vault's warnings read.
pub(crate) fn human_duration(secs: i64) -> String {
    let mut s = format_duration(secs.max(0) as u64);
    if s.ends_with("m0s") {
        s.truncate(s.len() - 2);
    }
    if let Some(idx) = s.find("h0m") {
        s.replace_range(idx + 1..idx + 3, "");
    }
    s
}

fn trunc_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Vault's `CalculateTTL`: the granted TTL and any warnings about capping.
pub(crate) fn calculate_ttl(
    sys: SysTtls,
    input: TtlInput,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(u64, Vec<String>), CoreError> {
    let (now, start) = (trunc_secs(now), trunc_secs(start));
    let mut max_ttl = sys.max_ttl as i64;
    if input.explicit_max_ttl > 0 && (input.explicit_max_ttl as i64) < max_ttl {
        max_ttl = input.explicit_max_ttl as i64;
    }
    if max_ttl <= 0 {
        return Err(CoreError::internal("max TTL must be greater than zero"));
    }
    let mut warnings = Vec::new();
    let (mut ttl, max_valid) = if input.period > 0 {
        let mut period = input.period as i64;
        if period > max_ttl {
            warnings.push(format!(
                "period of \"{}\" exceeded the effective max_ttl of \"{}\"; period value is capped accordingly",
                human_duration(period),
                human_duration(max_ttl)
            ));
            period = max_ttl;
        }
        (period, (input.explicit_max_ttl > 0).then(|| start + input.explicit_max_ttl as i64))
    } else {
        let ttl = [input.increment, input.backend_ttl, sys.default_ttl].into_iter().find(|t| *t > 0).unwrap_or(0);
        (ttl as i64, Some(start + max_ttl))
    };
    if let Some(max_valid) = max_valid {
        let max_valid_ttl = max_valid - now;
        if max_valid_ttl <= 0 {
            return Err(CoreError::internal("past the max TTL, cannot renew"));
        }
        if max_valid_ttl < ttl {
            warnings.push(format!(
                "TTL of \"{}\" exceeded the effective max_ttl of \"{}\"; TTL value is capped accordingly",
                human_duration(ttl),
                human_duration(max_valid_ttl)
            ));
            ttl = max_valid_ttl;
        }
    }
    Ok((ttl as u64, warnings))
}

impl super::TokenStore {
    /// The TTL a new token gets (Vault's `CalculateTTL` at creation, issued now), with warnings.
    pub fn creation_ttl(
        &self,
        sys: SysTtls,
        ttl: u64,
        period: u64,
        explicit_max_ttl: u64,
    ) -> Result<(u64, Vec<String>), CoreError> {
        let now = self.now();
        calculate_ttl(sys, TtlInput { backend_ttl: ttl, period, explicit_max_ttl, ..Default::default() }, now, now)
    }
}

/// `now + ttl`, or `None` for a TTL of 0 (never expires).
pub(crate) fn expiry(now: DateTime<Utc>, ttl: u64) -> Option<DateTime<Utc>> {
    (ttl > 0).then(|| now + Duration::seconds(ttl as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token_store::entry::unix;

    const SYS: SysTtls = SysTtls { default_ttl: 768 * 3600, max_ttl: 768 * 3600 };

    #[test]
    fn human_durations_read_like_vaults() {
        assert_eq!(human_duration(3 * 3600), "3h");
        assert_eq!(human_duration(5400), "1h30m");
        assert_eq!(human_duration(300), "5m");
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(3661), "1h1m1s");
    }

    #[test]
    fn ttl_defaults_then_caps_at_explicit_max() {
        let now = unix(10_000);
        let (ttl, w) = calculate_ttl(SYS, TtlInput::default(), now, now).unwrap();
        assert_eq!((ttl, w.len()), (768 * 3600, 0));
        let input = TtlInput { backend_ttl: 1800, explicit_max_ttl: 300, ..Default::default() };
        let (ttl, w) = calculate_ttl(SYS, input, now, now).unwrap();
        assert_eq!(ttl, 300);
        assert_eq!(w, vec!["TTL of \"30m\" exceeded the effective max_ttl of \"5m\"; TTL value is capped accordingly"]);
    }

    #[test]
    fn renewal_is_capped_by_time_since_issue() {
        let issued = unix(10_000);
        let input = TtlInput { increment: 3 * 3600, backend_ttl: 3600, explicit_max_ttl: 7200, ..Default::default() };
        let (ttl, w) = calculate_ttl(SYS, input, issued, issued + Duration::seconds(600)).unwrap();
        assert_eq!(ttl, 6600);
        assert_eq!(w.len(), 1);
        assert!(calculate_ttl(SYS, input, issued, issued + Duration::seconds(7200)).is_err());
    }

    #[test]
    fn periodic_tokens_get_their_period() {
        let now = unix(10_000);
        let input = TtlInput { increment: 7200, backend_ttl: 300, period: 1800, ..Default::default() };
        assert_eq!(calculate_ttl(SYS, input, now, now + Duration::days(90)).unwrap(), (1800, vec![]));
        let huge = TtlInput { period: 1000 * 3600, ..Default::default() };
        let (ttl, w) = calculate_ttl(SYS, huge, now, now).unwrap();
        assert_eq!((ttl, w.len()), (768 * 3600, 1));
    }
}
