//! The floor of the journald benchmark: the least any reader built on
//! libsystemd must do for the seed config. Opens a journal directory, adds the
//! `_TRANSPORT=audit` match, reads MESSAGE of every entry it visits, applies the
//! regex, and enumerates every field of the entries that match (touching each
//! byte count). Prints the matches and the elapsed time.
//!
//! `journald_floor DIR [FIELD=VALUE] [REGEX]`

#[cfg(target_os = "linux")]
fn main() -> std::io::Result<()> {
    use std::time::Instant;
    use systemd::journal::OpenDirectoryOptions;

    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: journald_floor DIR [FIELD=VALUE] [REGEX]");
    let m = args.next().unwrap_or_else(|| "_TRANSPORT=audit".to_string());
    let re = regex::bytes::Regex::new(&args.next().unwrap_or_else(|| "USER_START.*op=PAM:session_open".to_string()))
        .expect("regex");
    let start = Instant::now();
    let mut j = OpenDirectoryOptions::default().open_directory(dir.as_str())?;
    j.set_data_threshold(0)?;
    let (field, value) = m.split_once('=').expect("FIELD=VALUE");
    j.match_add(field, value)?;
    let (mut visited, mut matched, mut bytes) = (0u64, 0u64, 0usize);
    while j.next()? > 0 {
        visited += 1;
        j.restart_data();
        let hit = match j.get_data(c"MESSAGE")? {
            Some(f) => re.is_match(f.value().unwrap_or_default()),
            None => false,
        };
        if !hit {
            continue;
        }
        matched += 1;
        j.restart_data();
        while let Some(f) = j.enumerate_data()? {
            bytes += f.data().len();
        }
    }
    println!("visited={visited} matched={matched} bytes={bytes} seconds={:.3}", start.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("journald_floor needs Linux and libsystemd");
}
