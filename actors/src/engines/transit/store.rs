//! Where keys live in the mount's storage, and Vault's archiving on every write (keysutil's
//! `Persist` and `handleArchiving`): `policy/<name>` holds the versions a client may still
//! decrypt with, `archive/<name>` every version from `min_available_version`.

use super::policy::{Archive, KeyEntry, Policy};
use crate::barrier::BarrierView;
use crate::CoreError;

fn policy_key(name: &str) -> String {
    format!("policy/{name}")
}

fn archive_key(name: &str) -> String {
    format!("archive/{name}")
}

pub async fn load(view: &BarrierView, name: &str) -> Result<Option<Policy>, CoreError> {
    view.get_json(&policy_key(name)).await
}

pub async fn list(view: &BarrierView) -> Result<Vec<String>, CoreError> {
    let mut names = view.list("policy/").await?;
    names.retain(|n| !n.ends_with('/'));
    Ok(names)
}

pub async fn load_archive(view: &BarrierView, name: &str) -> Result<Archive, CoreError> {
    Ok(view.get_json(&archive_key(name)).await?.unwrap_or_default())
}

/// Writes the archive (when versions moved into it) and then the policy, as Vault's `Persist`.
pub async fn persist(view: &BarrierView, p: &mut Policy) -> Result<(), CoreError> {
    if let Some(archive) = archive_versions(p, load_archive(view, &p.name).await?)? {
        view.put_json(&archive_key(&p.name), &archive).await?;
    }
    view.put_json(&policy_key(&p.name), p).await
}

/// Writes an archive as a restore brings it; the next `persist` archives on top of it.
pub async fn store_archive(view: &BarrierView, name: &str, archive: &Archive) -> Result<(), CoreError> {
    view.put_json(&archive_key(name), archive).await
}

pub async fn delete(view: &BarrierView, name: &str) -> Result<(), CoreError> {
    view.delete(&policy_key(name)).await?;
    view.delete(&archive_key(name)).await
}

/// Vault's `handleArchiving`: after it, `p.keys` holds `min_decryption_version..=latest_version`
/// and the returned archive (None: unchanged) every version from `min_available_version`.
fn archive_versions(p: &mut Policy, mut archive: Archive) -> Result<Option<Archive>, CoreError> {
    let err = |m: String| Err(CoreError::internal(m).listed());
    if p.min_decryption_version < 1 {
        return err(format!("minimum decryption version of {} is less than 1", p.min_decryption_version));
    }
    if p.latest_version < 1 {
        return err(format!("latest version of {} is less than 1", p.latest_version));
    }
    let have_min = p.entry(p.min_decryption_version).is_some();
    if !have_min && p.archive_version != p.latest_version {
        return err("need to move keys from archive but archive version not up-to-date".into());
    }
    if p.archive_version > p.latest_version {
        return err(format!(
            "archive version of {} is greater than the latest version {}",
            p.archive_version, p.latest_version
        ));
    }
    if p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version {
        return err(format!(
            "minimum decryption version of {} is greater than minimum encryption version {}",
            p.min_decryption_version, p.min_encryption_version
        ));
    }
    if p.min_decryption_version > p.latest_version {
        return err(format!(
            "minimum decryption version of {} is greater than the latest version {}",
            p.min_decryption_version, p.latest_version
        ));
    }
    let index = |v: i64| usize::try_from(v - p.min_available_version).ok();
    if !have_min {
        // Versions came back into use (min_decryption_version lowered): copy them out.
        for v in p.min_decryption_version..=p.latest_version {
            let entry = index(v).and_then(|i| archive.keys.get(i)).cloned();
            let entry = entry.ok_or_else(|| CoreError::internal(format!("key version {v} is not in the archive")))?;
            p.keys.insert(v.to_string(), entry);
        }
        return Ok(None);
    }
    let wanted = index(p.latest_version).map_or(0, |i| i + 1);
    if archive.keys.len() < wanted {
        archive.keys.resize_with(wanted, KeyEntry::default);
    }
    for v in p.archive_version + 1..=p.latest_version {
        if let (Some(i), Some(entry)) = (index(v), p.entry(v)) {
            archive.keys[i] = entry.clone();
        }
        p.archive_version = v;
    }
    if p.archive_min_version < p.min_available_version {
        let drop = usize::try_from(p.min_available_version - p.archive_min_version).unwrap_or(0);
        archive.keys.drain(..drop.min(archive.keys.len()));
        p.archive_min_version = p.min_available_version;
    }
    let min_dec = p.min_decryption_version;
    p.keys.retain(|v, _| v.parse::<i64>().is_ok_and(|v| v >= min_dec));
    Ok(Some(archive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(versions: i64) -> Policy {
        let mut p = Policy { name: "k".into(), ..Default::default() };
        for _ in 0..versions {
            p.add_version(chrono::Utc::now()).unwrap();
        }
        p
    }

    #[test]
    fn a_new_key_archives_with_vaults_empty_slot_zero() {
        let mut p = key(1);
        let archive = archive_versions(&mut p, Archive::default()).unwrap().unwrap();
        assert_eq!(archive.keys.len(), 2);
        assert!(archive.keys[0].key.is_none());
        assert_eq!(archive.keys[1].key, p.entry(1).unwrap().key);
        assert_eq!(p.archive_version, 1);
    }

    #[test]
    fn raising_and_lowering_min_decryption_moves_versions_out_and_back() {
        let mut p = key(3);
        let archive = archive_versions(&mut p, Archive::default()).unwrap().unwrap();
        p.min_decryption_version = 3;
        let archive = archive_versions(&mut p, archive).unwrap().unwrap();
        assert_eq!(p.keys.keys().collect::<Vec<_>>(), ["3"]);
        p.min_decryption_version = 1;
        assert!(archive_versions(&mut p, archive.clone()).unwrap().is_none());
        assert_eq!(p.keys.keys().collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(p.entry(1).unwrap().key, archive.keys[1].key);
    }

    #[test]
    fn trimming_drops_archived_versions() {
        let mut p = key(3);
        let archive = archive_versions(&mut p, Archive::default()).unwrap().unwrap();
        (p.min_decryption_version, p.min_encryption_version, p.min_available_version) = (2, 2, 2);
        let archive = archive_versions(&mut p, archive).unwrap().unwrap();
        assert_eq!(archive.keys.len(), 2);
        assert_eq!(archive.keys[0].key, p.entry(2).unwrap().key);
        assert_eq!(p.archive_min_version, 2);
    }
}
