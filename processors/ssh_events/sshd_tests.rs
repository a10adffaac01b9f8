use super::*;

/// The facts as one compact line, for terse assertions.
fn show(msg: &str) -> String {
    let Some(f) = parse(msg) else { return "none".into() };
    let mut parts = vec![f.event.as_str().to_string(), f.outcome.as_str().to_string()];
    let fields = [
        ("user", &f.user),
        ("uid", &f.user_id),
        ("login", &f.login),
        ("method", &f.method),
        ("key", &f.key_type),
        ("fp", &f.fingerprint),
        ("client", &f.client_address),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    if let Some(p) = f.client_port {
        parts.push(format!("port={p}"));
    }
    parts.join(" ")
}

#[test]
fn accepted_forms() {
    assert_eq!(
        show("Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:Qm9vZ0F1ZGl0"),
        "ssh.auth.success success user=alice login=alice method=publickey key=ED25519 fp=SHA256:Qm9vZ0F1ZGl0 \
         client=203.0.113.7 port=51234"
    );
    assert_eq!(
        show("Accepted password for lab from 192.168.10.1 port 56280 ssh2"),
        "ssh.auth.success success user=lab login=lab method=password client=192.168.10.1 port=56280"
    );
    assert_eq!(
        show("Accepted keyboard-interactive/pam for bob from 2001:db8::7 port 4000 ssh2"),
        "ssh.auth.success success user=bob login=bob method=keyboard-interactive client=2001:db8::7 port=4000"
    );
    assert_eq!(
        show(
            "Accepted publickey for deploy from 10.1.2.3 port 5555 ssh2: ED25519-CERT SHA256:abc ID deploy@ci \
             (serial 42) CA ED25519 SHA256:caf"
        ),
        "ssh.auth.success success user=deploy login=deploy method=certificate key=ED25519-CERT fp=SHA256:abc \
         client=10.1.2.3 port=5555"
    );
}

#[test]
fn failed_forms() {
    assert_eq!(
        show("Failed password for root from 45.155.205.9 port 4242 ssh2"),
        "ssh.auth.failure failure user=root login=root method=password client=45.155.205.9 port=4242"
    );
    assert_eq!(
        show("Failed password for invalid user ROOT from 194.117.26.6 port 1 ssh2"),
        "ssh.auth.failure failure user=ROOT login=ROOT method=password client=194.117.26.6 port=1"
    );
    assert_eq!(
        show("Failed publickey for bob from 198.51.100.23 port 40022 ssh2: RSA SHA256:YmFk"),
        "ssh.auth.failure failure user=bob login=bob method=publickey key=RSA fp=SHA256:YmFk \
         client=198.51.100.23 port=40022"
    );
    // A user name with a space (sshd logs what the client sent).
    assert_eq!(
        show("Failed none for invalid user a b from 192.0.2.1 port 22 ssh2"),
        "ssh.auth.failure failure user=a b login=a b method=none client=192.0.2.1 port=22"
    );
}

#[test]
fn invalid_user_forms() {
    assert_eq!(
        show("Invalid user Boutique@123 from 162.243.165.39 port 43146"),
        "ssh.invalid_user failure user=Boutique@123 login=Boutique@123 client=162.243.165.39 port=43146"
    );
    assert_eq!(
        show("Invalid user mafish from 198.143.107.142"),
        "ssh.invalid_user failure user=mafish login=mafish client=198.143.107.142"
    );
    assert_eq!(show("Invalid user  from 192.0.2.9 port 7"), "ssh.invalid_user failure client=192.0.2.9 port=7");
}

#[test]
fn connection_closed_and_reset() {
    assert_eq!(
        show("Connection closed by authenticating user bob 198.51.100.23 port 40022 [preauth]"),
        "ssh.disconnect failure user=bob login=bob client=198.51.100.23 port=40022"
    );
    assert_eq!(
        show("Connection closed by invalid user baduser ::1 port 44012 [preauth]"),
        "ssh.disconnect failure user=baduser login=baduser client=::1 port=44012"
    );
    assert_eq!(
        show("Connection reset by authenticating user root 139.19.117.130 [preauth]"),
        "ssh.disconnect failure user=root login=root client=139.19.117.130"
    );
    assert_eq!(
        show("Connection closed by 203.0.113.9 port 61000 [preauth]"),
        "ssh.disconnect failure client=203.0.113.9 port=61000"
    );
    assert_eq!(
        show("Connection closed by 203.0.113.9 port 61000"),
        "ssh.disconnect success client=203.0.113.9 port=61000"
    );
}

#[test]
fn disconnected_forms() {
    assert_eq!(
        show("Disconnected from user alice 203.0.113.7 port 51234"),
        "ssh.disconnect success user=alice login=alice client=203.0.113.7 port=51234"
    );
    assert_eq!(
        show("Disconnected from invalid user admin 192.0.2.200 port 60122 [preauth]"),
        "ssh.disconnect failure user=admin login=admin client=192.0.2.200 port=60122"
    );
}

#[test]
fn pam_session_lines() {
    assert_eq!(
        show("pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)"),
        "ssh.session.start success user=alice uid=1000 login=alice"
    );
    assert_eq!(
        show("pam_unix(sshd:session): session opened for user sg by (uid=0)"),
        "ssh.session.start success user=sg login=sg"
    );
    assert_eq!(
        show("pam_unix(sshd:session): session closed for user alice"),
        "ssh.session.end success user=alice login=alice"
    );
    // Another PAM service's session is not sshd's.
    assert_eq!(show("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"), "none");
}

#[test]
fn not_allowed() {
    assert_eq!(
        show("User root from 198.143.107.142 not allowed because none of user's groups are listed in AllowGroups"),
        "ssh.auth.failure failure user=root login=root client=198.143.107.142"
    );
}

#[test]
fn unknown_variants_fall_through() {
    for msg in [
        "Server listening on 0.0.0.0 port 22.",
        "Received disconnect from 203.0.113.7 port 51234:11: disconnected by user",
        "Connection reset by peer",
        "Connection closed by authenticating user bob 198.51.100.23 port 40022 [preauth] extra",
        "Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:x trailing words",
        "Accepted publickey for alice from somewhere port 51234 ssh2",
        "Failed password for root from 45.155.205.9 port x ssh2",
        "Accepted Publickey for alice from 203.0.113.7 port 1 ssh2",
        "Invalid user",
        "User root logged in",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4",
        "error: kex_exchange_identification: Connection closed by remote host",
        "",
    ] {
        assert_eq!(show(msg), "none", "{msg:?}");
    }
}
