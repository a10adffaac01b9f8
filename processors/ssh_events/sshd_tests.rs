use super::*;

/// The facts as one compact line, for terse assertions.
fn show(msg: &str) -> String {
    let Some(f) = parse(msg) else { return "none".into() };
    let mut parts = vec![f.event.as_str().to_string(), f.outcome.as_str().to_string()];
    let fields = [
        ("user", &f.user),
        ("domain", &f.client_domain),
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
    if let Some(n) = f.count {
        parts.push(format!("count={n}"));
    }
    if f.duplicate {
        parts.push("duplicate".into());
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
        "Received disconnect from 203.0.113.7 port x:11: disconnected by user",
        "Received disconnect from somewhere: 11: Bye Bye [preauth]",
        "PAM service(sshd) ignoring max retries; 6 > 3",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4 extra=x",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=",
        "message repeated 5 times: [ Server listening on 0.0.0.0 port 22.]",
        "Disconnecting: Too many authentication failures for",
        "fatal: Write failed: Broken pipe [preauth]",
        "Postponed publickey for git from 192.0.2.1 port 57904 ssh2 [preauth]",
        "Unable to negotiate with 192.0.2.1 port 1: something else",
        "Connection reset by peer",
        "Connection closed by authenticating user bob 198.51.100.23 port 40022 [preauth] extra",
        "Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:x trailing words",
        "Accepted publickey for alice from somewhere port 51234 ssh2",
        "Failed password for root from 45.155.205.9 port x ssh2",
        "Accepted Publickey for alice from 203.0.113.7 port 1 ssh2",
        "Invalid user",
        "User root logged in",
        "error: kex_exchange_identification: Connection closed by remote host",
        "",
    ] {
        assert_eq!(show(msg), "none", "{msg:?}");
    }
}

/// The connection ends of loghub's OpenSSH_2k and fail2ban's sshd test log, and
/// OpenSSH 7.x–9.x wordings.
#[test]
fn connection_ends() {
    let cases = [
        ("Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]", "ssh.disconnect failure client=52.80.34.196"),
        (
            "error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]",
            "ssh.disconnect failure client=103.99.0.122",
        ),
        ("Received disconnect from 203.0.113.7: 11: disconnected by user", "ssh.disconnect success client=203.0.113.7"),
        (
            "Received disconnect from 198.51.100.76 port 58846:11: Bye Bye [preauth]",
            "ssh.disconnect failure client=198.51.100.76 port=58846",
        ),
        (
            "Received disconnect from 2001:db8::5 port 4000:11: disconnected by user",
            "ssh.disconnect success client=2001:db8::5 port=4000",
        ),
        ("Disconnecting: Too many authentication failures for root [preauth]", "ssh.disconnect failure user=root login=root"),
        ("Disconnecting: Too many authentication failures [preauth]", "ssh.disconnect failure"),
        (
            "Disconnecting authenticating user root 192.0.2.7 port 50012: Too many authentication failures [preauth]",
            "ssh.disconnect failure user=root login=root client=192.0.2.7 port=50012",
        ),
        (
            "Disconnecting invalid user admin 192.0.2.8 port 1022: Change of username or service not allowed: (admin,ssh-connection) -> (adm,ssh-connection) [preauth]",
            "ssh.disconnect failure user=admin login=admin client=192.0.2.8 port=1022",
        ),
        (
            "error: maximum authentication attempts exceeded for invalid user ubnt from 192.0.2.9 port 33190 ssh2 [preauth]",
            "ssh.disconnect failure user=ubnt login=ubnt client=192.0.2.9 port=33190",
        ),
        ("Did not receive identification string from 123.235.32.19", "ssh.disconnect failure client=123.235.32.19"),
        ("Did not receive identification string from 192.0.2.3 port 61000", "ssh.disconnect failure client=192.0.2.3 port=61000"),
        ("Timeout before authentication for 192.0.2.4 port 5022", "ssh.disconnect failure client=192.0.2.4 port=5022"),
        (
            "Unable to negotiate with 192.0.2.5 port 41234: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
            "ssh.disconnect failure client=192.0.2.5 port=41234",
        ),
        ("fatal: Write failed: Connection reset by peer [preauth]", "ssh.disconnect failure"),
        ("fatal: Read from socket failed: Connection reset by peer", "ssh.disconnect success"),
        (
            "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!",
            "ssh.network failure domain=ns.marryaldkfaczcz.com client=173.234.31.186",
        ),
        (
            "Address 1.2.3.4 maps to 1234.bbbbbb.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
            "ssh.network failure domain=1234.bbbbbb.com client=1.2.3.4",
        ),
        (
            "Connection from 192.0.2.10 port 50000 on 10.0.0.5 port 22 rdomain \"\"",
            "ssh.network success client=192.0.2.10 port=50000",
        ),
    ];
    for (msg, want) in cases {
        assert_eq!(show(msg), want, "{msg}");
    }
    let f = parse("Connection from 192.0.2.10 port 50000 on 10.0.0.5 port 22").unwrap();
    assert_eq!((f.server_address.as_deref(), f.server_port), (Some("10.0.0.5"), Some(22)));
}

#[test]
fn counts_and_duplicates() {
    let cases = [
        (
            "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
            "ssh.auth.failure failure user=root login=root method=password client=5.36.59.76 port=42393 count=5",
        ),
        (
            "input_userauth_request: invalid user webmaster [preauth]",
            "ssh.invalid_user failure user=webmaster login=webmaster duplicate",
        ),
        (
            "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
            "ssh.auth.failure failure user=root domain=5.36.59.76.dynamic-dsl-ip.omantel.net.om login=root count=5 duplicate",
        ),
        (
            "PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=103.99.0.122",
            "ssh.auth.failure failure client=103.99.0.122 count=1 duplicate",
        ),
        (
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=112.95.230.3  user=root",
            "ssh.auth.failure failure user=root login=root client=112.95.230.3 duplicate",
        ),
        (
            "pam_unix(sshd-session:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn",
            "ssh.auth.failure failure domain=ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn duplicate",
        ),
        ("pam_unix(sshd:auth): check pass; user unknown", "ssh.invalid_user failure duplicate"),
        (
            "error: PAM: Authentication failure for myhlj1374 from 192.030.0.6",
            "ssh.auth.failure failure user=myhlj1374 login=myhlj1374 client=192.030.0.6 duplicate",
        ),
        (
            "error: PAM: authentication error for james from example.com via 192.168.1.201",
            "ssh.auth.failure failure user=james domain=example.com login=james duplicate",
        ),
        (
            "error: PAM: User not known to the underlying authentication module for illegal user kernelitshell from 10.215.4.227 ",
            "ssh.invalid_user failure user=kernelitshell login=kernelitshell client=10.215.4.227 duplicate",
        ),
    ];
    for (msg, want) in cases {
        assert_eq!(show(msg), want, "{msg}");
    }
}

#[test]
fn older_wordings() {
    let cases = [
        (
            "ROOT LOGIN REFUSED FROM 1.2.3.4 port 12345 [preauth]",
            "ssh.auth.failure failure user=root login=root client=1.2.3.4 port=12345",
        ),
        (
            "ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4",
            "ssh.auth.failure failure user=root login=root client=::ffff:1.2.3.4",
        ),
        ("Illegal user test from 10.0.0.1", "ssh.invalid_user failure user=test login=test client=10.0.0.1"),
        (
            "Failed password for dan from 127.0.0.1 port 45416 ssh1",
            "ssh.auth.failure failure user=dan login=dan method=password client=127.0.0.1 port=45416",
        ),
        (
            "User root from example.com not allowed because not listed in AllowUsers",
            "ssh.auth.failure failure user=root domain=example.com login=root",
        ),
        ("User root not allowed because account is locked", "ssh.auth.failure failure user=root login=root"),
    ];
    for (msg, want) in cases {
        assert_eq!(show(msg), want, "{msg}");
    }
}
