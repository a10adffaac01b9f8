//! Time zones from the system tz database, as Go's `time.LoadLocation` reads
//! them: TZif files under `$ZONEINFO` or `/usr/share/zoneinfo`. Transitions
//! come from the files' tables (the 64-bit part when there is one); times past
//! the last transition keep its offset (the POSIX rule in the footer is not read,
//! Debian's files list transitions to 2037).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A time zone from the tz database: transitions and their offsets.
#[derive(Debug)]
pub struct Tz {
    transitions: Vec<(i64, usize)>,
    types: Vec<(i32, String)>,
}

impl Tz {
    pub fn utc() -> Tz {
        Tz { transitions: Vec::new(), types: vec![(0, "UTC".to_string())] }
    }

    /// The zone type in effect at a UTC instant.
    fn type_at(&self, unix: i64) -> &(i32, String) {
        let i = self.transitions.partition_point(|(t, _)| *t <= unix);
        let idx = if i == 0 { 0 } else { self.transitions[i - 1].1 };
        self.types.get(idx).unwrap_or(&self.types[0])
    }

    /// The offset for a wall-clock time in this zone (Go's `time.Date`).
    pub fn offset_for_wall(&self, wall: i64) -> i32 {
        let guess = self.type_at(wall).0;
        let utc = wall - i64::from(guess);
        self.type_at(utc).0
    }

    /// Go's `lookupName`: a zone of this name in effect then, else any zone of it.
    pub fn lookup_name(&self, name: &str, wall: i64) -> Option<i32> {
        for (off, n) in &self.types {
            if n == name && self.type_at(wall - i64::from(*off)).1 == name {
                return Some(*off);
            }
        }
        self.types.iter().find(|(_, n)| n == name).map(|(o, _)| *o)
    }

    /// Parse TZif data (version 1 or the 64-bit part of 2+).
    pub fn from_tzif(data: &[u8]) -> Option<Tz> {
        let hdr = |d: &[u8]| -> Option<[usize; 6]> {
            if d.len() < 44 || &d[..4] != b"TZif" {
                return None;
            }
            let mut c = [0usize; 6];
            for (i, v) in c.iter_mut().enumerate() {
                let o = 20 + i * 4;
                *v = u32::from_be_bytes(d[o..o + 4].try_into().ok()?) as usize;
            }
            Some(c)
        };
        let [isut, isstd, leap, timecnt, typecnt, charcnt] = hdr(data)?;
        let v1_len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
        let (d, tsize) = if data[4] >= b'2' && data.len() > v1_len { (&data[v1_len..], 8) } else { (data, 4) };
        let [_, _, _, timecnt, typecnt, charcnt] = hdr(d)?;
        let mut p = 44;
        let need = p + timecnt * (tsize + 1) + typecnt * 6 + charcnt;
        if d.len() < need || typecnt == 0 {
            return None;
        }
        let mut times = Vec::with_capacity(timecnt);
        for _ in 0..timecnt {
            let t = if tsize == 8 {
                i64::from_be_bytes(d[p..p + 8].try_into().ok()?)
            } else {
                i64::from(i32::from_be_bytes(d[p..p + 4].try_into().ok()?))
            };
            times.push(t);
            p += tsize;
        }
        let idx: Vec<usize> = d[p..p + timecnt].iter().map(|b| usize::from(*b)).collect();
        p += timecnt;
        let ttinfo = &d[p..p + typecnt * 6];
        p += typecnt * 6;
        let chars = &d[p..p + charcnt];
        let types = ttinfo
            .chunks(6)
            .map(|t| {
                let off = i32::from_be_bytes([t[0], t[1], t[2], t[3]]);
                let ai = usize::from(t[5]).min(chars.len());
                let end = chars[ai..].iter().position(|c| *c == 0).map_or(chars.len(), |e| ai + e);
                (off, String::from_utf8_lossy(&chars[ai..end]).into_owned())
            })
            .collect();
        Some(Tz { transitions: times.into_iter().zip(idx).collect(), types })
    }
}

fn zoneinfo_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    if let Ok(z) = std::env::var("ZONEINFO") {
        dirs.push(z);
    }
    dirs.extend([
        "/usr/share/zoneinfo".to_string(),
        "/usr/share/lib/zoneinfo".to_string(),
        "/usr/lib/locale/TZ".to_string(),
    ]);
    dirs
}

/// Go's `time.LoadLocation`: `UTC`, `Local`, or a tz database name.
pub fn load_location(name: &str) -> Result<Arc<Tz>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Tz>>>> = OnceLock::new();
    match name {
        "" | "UTC" => return Ok(Arc::new(Tz::utc())),
        "Local" => return Ok(local()),
        _ => {}
    }
    if name.contains("..") || name.starts_with('/') {
        return Err("invalid location name".into());
    }
    let cache = CACHE.get_or_init(Default::default);
    if let Some(tz) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
        return Ok(tz.clone());
    }
    let tz = zoneinfo_dirs()
        .iter()
        .find_map(|d| std::fs::read(format!("{d}/{name}")).ok().and_then(|b| Tz::from_tzif(&b)))
        .map(Arc::new)
        .ok_or_else(|| format!("unknown time zone {name}"))?;
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), tz.clone());
    Ok(tz)
}

/// The local zone: `TZ` (empty is UTC), else `/etc/localtime`, else UTC.
pub fn local() -> Arc<Tz> {
    static LOCAL: OnceLock<Arc<Tz>> = OnceLock::new();
    LOCAL
        .get_or_init(|| {
            let tz = match std::env::var("TZ") {
                Ok(v) if v.is_empty() || v == "UTC" => None,
                Ok(v) => load_location(v.trim_start_matches(':')).ok(),
                Err(_) => std::fs::read("/etc/localtime").ok().and_then(|b| Tz::from_tzif(&b)).map(Arc::new),
            };
            tz.unwrap_or_else(|| Arc::new(Tz::utc()))
        })
        .clone()
}
