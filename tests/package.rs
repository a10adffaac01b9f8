//! The install path (issue 12): `make deb`'s package installed with dpkg into a
//! throwaway root (maintainer scripts run outside it with DPKG_ROOT set), its
//! config validated by the installed binary, its unit checked by
//! `systemd-analyze verify`, then purged; and `make install`'s layout under a
//! DESTDIR. Nothing outside the temporary directories is touched.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::util;

fn ok(out: Output, what: &str) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// `dpkg --root ROOT ARGS`, scripts run chrootless (the root has no shell).
fn dpkg(root: &Path, args: &[&str]) -> String {
    let out = Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args(["--force-script-chrootless", "--force-depends", "--force-not-root", "--log=/dev/null"])
        .args(args)
        .output()
        .expect("run dpkg");
    ok(out, &format!("dpkg {args:?}"))
}

/// An empty system for dpkg: its database, root, and the systemd-journal group.
fn throwaway_root(root: &Path) {
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\nsystemd-journal:x:101:\n").unwrap();
}

/// Every shared library the binary names (`NEEDED`) comes from a package the
/// control file's `Depends` lists, as dpkg-shlibdeps would have it; and
/// systemd, for the unit.
fn depends_on_every_needed_library(bin: &Path, info: &str) {
    let depends: Vec<&str> = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("Depends:"))
        .unwrap_or_else(|| panic!("no Depends in\n{info}"))
        .split(',')
        .map(str::trim)
        .collect();
    assert!(depends.contains(&"systemd"), "{depends:?}");
    let dynamic = ok(Command::new("readelf").arg("-d").arg(bin).output().unwrap(), "readelf -d");
    let needed: Vec<&str> =
        dynamic.lines().filter_map(|l| l.split("Shared library: [").nth(1)?.strip_suffix(']')).collect();
    assert!(needed.contains(&"libsystemd.so.0"), "{dynamic}");
    for lib in needed {
        // `dpkg -S */libz.so.1` → `zlib1g:amd64: /lib/x86_64-linux-gnu/libz.so.1`, a
        // line per path (`a:amd64, b:i386: path` when several packages own one).
        // Another architecture's copy may be listed too: one owner must be in Depends.
        let found = ok(Command::new("dpkg").args(["-S", &format!("*/{lib}")]).output().unwrap(), "dpkg -S");
        let owners: Vec<&str> = found
            .lines()
            .filter_map(|l| l.split_once(": "))
            .flat_map(|(packages, _)| packages.split(", "))
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect();
        assert!(
            owners.iter().any(|p| depends.contains(p)),
            "{lib} is in {owners:?}, none of which Depends ({depends:?}) has"
        );
    }
}

#[test]
fn the_deb_installs_validates_and_purges_in_a_throwaway_root() {
    let (work, root) = (util::tempdir(), util::tempdir());
    let bin = util::shipped_binary();
    if bin.starts_with(util::repo("target/release")) {
        let sections = ok(Command::new("readelf").arg("-S").arg(&bin).output().unwrap(), "readelf");
        assert!(!sections.contains(".debug_info"), "the release binary ships without debug info");
    }
    let out = Command::new(util::repo("packaging/build-deb.sh"))
        .arg(&bin)
        .env("DEB_OUT", work.path())
        .env("DEB_COMPRESSION", "gzip") // faster than xz, for a package that is thrown away
        .output();
    let deb = ok(out.expect("run build-deb.sh"), "build-deb.sh").trim().to_string();
    assert!(deb.ends_with(".deb"), "{deb}");
    let info = ok(Command::new("dpkg-deb").args(["--info", &deb]).output().unwrap(), "dpkg-deb --info");
    assert!(info.contains("Package: ferrocol"), "{info}");
    depends_on_every_needed_library(&bin, &info);

    throwaway_root(root.path());
    let r = root.path();
    dpkg(r, &["--install", &deb]);
    let passwd = fs::read_to_string(r.join("etc/passwd")).unwrap();
    let user = passwd.lines().find(|l| l.starts_with("ferrocol:")).unwrap_or_else(|| panic!("{passwd}"));
    assert!(user.ends_with(":/var/lib/ferrocol:/usr/sbin/nologin"), "{user}");
    let uid: u32 = user.split(':').nth(2).unwrap().parse().unwrap();
    let group = fs::read_to_string(r.join("etc/group")).unwrap();
    assert!(group.lines().any(|l| l == "systemd-journal:x:101:ferrocol"), "{group}");
    use std::os::unix::fs::MetadataExt;
    let state = fs::metadata(r.join("var/lib/ferrocol")).unwrap();
    assert_eq!((state.uid(), state.mode() & 0o7777), (uid, 0o750));
    let enabled = r.join("etc/systemd/system/multi-user.target.wants/ferrocol.service");
    assert!(fs::symlink_metadata(&enabled).is_ok(), "the unit is enabled");

    // The installed binary validates the installed config (its state directory
    // inside the throwaway root).
    let state_dir = format!("--set=extensions::file_storage::directory={}", r.join("var/lib/ferrocol").display());
    let config = r.join("etc/ferrocol/config.yaml");
    let out = Command::new(r.join("usr/bin/ferrocol"))
        .args(["validate", "--config", config.to_str().unwrap(), &state_dir])
        .output();
    ok(out.unwrap(), "the installed ferrocol validate");

    // systemd-analyze verify, with the unit's binary path pointing into the root.
    let unit = fs::read_to_string(r.join("usr/lib/systemd/system/ferrocol.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/ferrocol --config /etc/ferrocol/config.yaml"), "{unit}");
    let installed_bin = r.join("usr/bin/ferrocol");
    let units = util::tempdir();
    let copy = units.path().join("ferrocol.service");
    fs::write(&copy, unit.replace("/usr/bin/ferrocol", installed_bin.to_str().unwrap())).unwrap();
    let out = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&copy).output();
    let verify = ok(out.expect("run systemd-analyze (Debian package systemd)"), "systemd-analyze verify");
    assert!(!verify.contains("ferrocol.service:"), "no complaint about the unit: {verify}");

    dpkg(r, &["--purge", "ferrocol"]);
    for gone in ["usr/bin/ferrocol", "etc/ferrocol/config.yaml", "var/lib/ferrocol"] {
        assert!(!r.join(gone).exists(), "{gone} is left after purge");
    }
    assert!(fs::symlink_metadata(&enabled).is_err(), "the unit is disabled");
}

#[test]
fn make_install_layout_under_destdir() {
    let dest = util::tempdir();
    let out = Command::new(util::repo("packaging/install.sh"))
        .arg(util::BIN)
        .env("DESTDIR", dest.path())
        .env("PREFIX", "/usr/local")
        .output();
    ok(out.unwrap(), "packaging/install.sh");
    let d = dest.path();
    for f in ["usr/local/bin/ferrocol", "etc/ferrocol/config.yaml", "usr/local/lib/sysusers.d/ferrocol.conf"] {
        assert!(d.join(f).is_file(), "{f}");
    }
    let unit = fs::read_to_string(d.join("usr/local/lib/systemd/system/ferrocol.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/ferrocol --config /etc/ferrocol/config.yaml"), "{unit}");
    assert!(!unit.contains("/usr/bin/ferrocol"), "{unit}");
    // A second install keeps an edited config.
    fs::write(d.join("etc/ferrocol/config.yaml"), "# mine\n").unwrap();
    let out = Command::new(util::repo("packaging/install.sh"))
        .arg(util::BIN)
        .env("DESTDIR", d)
        .env("PREFIX", "/usr/local")
        .output();
    ok(out.unwrap(), "packaging/install.sh again");
    assert_eq!(fs::read_to_string(d.join("etc/ferrocol/config.yaml")).unwrap(), "# mine\n");
}
