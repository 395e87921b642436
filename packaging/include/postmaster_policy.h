/*
 * postmaster_policy.h - the C ABI of Postmaster's policy plugins, ABI version 1.
 *
 * A policy plugin is a shared object named in postmaster.cf:
 *
 *     policy  dso(/usr/local/lib/postmaster/myplugin.so)
 *
 * The daemon asks it at each stage of every SMTP session (connect, HELO/EHLO, MAIL, RCPT, end of DATA)
 * whether to go on, and it may refuse with a 5xx (reject) or 4xx (defer) reply of its own. Several
 * policies may be configured; they are asked in the order written and the first answer other than
 * POSTMASTER_POLICY_CONTINUE wins. Build a plugin with
 *
 *     gcc -shared -fPIC -O2 -Wall -I/path/to/packaging/include -o myplugin.so myplugin.c
 *
 * A plugin exports exactly these three functions (extern "C" from C++), declared below:
 *
 *     postmaster_policy_init      once, when the plugin is loaded
 *     postmaster_policy_check     once per stage of every session
 *     postmaster_policy_cleanup   once, when the daemon (or check-config) ends
 *
 * LIFE CYCLE
 *   The shared object is loaded with dlopen(RTLD_NOW | RTLD_LOCAL): an undefined symbol in it is an
 *   error at load time, not a crash later. The daemon loads it after it has bound its ports and given up
 *   root, so init and every check run as the daemon's user (setting "user", default "postmaster");
 *   `postmaster check-config` loads it too (as whoever runs it) and calls init and cleanup, to report a
 *   missing symbol, a wrong ABI version or a failing init as a configuration error. Other roles
 *   (sendmail, spool, deliver) never load plugins.
 *   A library is loaded once per path for the life of the process and never unloaded: a configuration
 *   reload (SIGHUP) that still names the path keeps the loaded library (a changed file on disk takes
 *   effect at the next restart); one that no longer names it stops asking it. A reload that names a new
 *   path loads it then.
 *
 * THREADS AND TIME
 *   Checks never run on the daemon's I/O threads: every plugin gets its own few worker threads
 *   (currently 4), and postmaster_policy_check may be called on several of them at once, so it must be
 *   thread-safe (reentrant, or with its own locking). init and cleanup are never called concurrently
 *   with anything else of the same plugin.
 *   Each call has a time limit (setting "policy-timeout", default 10s). A call that does not return in
 *   time is abandoned: the session gets the failure reply (setting "policy-failure": by default
 *   451 4.3.5) and, until that call returns, every further call to the plugin is refused at once with the
 *   same failure reply rather than queued behind it. A thread that hangs inside a plugin cannot be
 *   killed: it stays blocked for as long as the plugin blocks it. A plugin must bound its own waits
 *   (DNS, network, locks) to stay well under the time limit.
 *   A plugin runs inside the daemon's process: a crash in it (SIGSEGV, abort(), exit()) ends the whole
 *   daemon, and memory it corrupts is the daemon's memory. Treat a plugin like a part of Postmaster,
 *   and prefer a policy server (policy socket(...)) for code you do not trust as much.
 *
 * MEMORY
 *   Everything the daemon passes in (the facts and the strings they point to, the reply buffer) belongs to
 *   the daemon and stays valid until the call returns, even when the daemon has stopped waiting for it.
 *   Copy what you want to keep. The plugin never frees anything the daemon gave it, and the daemon
 *   never frees anything the plugin owns. Strings are UTF-8 and NUL-terminated.
 */
#ifndef POSTMASTER_POLICY_H
#define POSTMASTER_POLICY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes. postmaster_policy_init returns it. */
#define POSTMASTER_POLICY_ABI_VERSION 1

/* The size of the reply buffer the daemon passes to postmaster_policy_check, terminating NUL included. */
#define POSTMASTER_POLICY_REPLY_SIZE 512

/* Where in the SMTP dialogue the check is made (Postfix's protocol_state). */
enum postmaster_policy_stage {
    POSTMASTER_POLICY_CONNECT = 1, /* a client connected; nothing said yet */
    POSTMASTER_POLICY_HELO = 2,    /* HELO or EHLO: helo is set */
    POSTMASTER_POLICY_MAIL = 3,    /* MAIL FROM: sender and queue_id are set */
    POSTMASTER_POLICY_RCPT = 4,    /* RCPT TO: recipient is set (already found routable and allowed) */
    POSTMASTER_POLICY_DATA = 5     /* end of DATA: message_size is the real size; the message is not
                                      yet committed, so a refusal means it was never accepted */
};

/* What postmaster_policy_check returns. Any other value is a plugin error (see "ERRORS"). */
enum postmaster_policy_verdict {
    POSTMASTER_POLICY_CONTINUE = 0, /* no objection: ask the next policy (Postfix's DUNNO) */
    POSTMASTER_POLICY_ACCEPT = 1,   /* accepted at this stage: later policies are not asked (Postfix's OK) */
    POSTMASTER_POLICY_REJECT = 2,   /* refuse for good with a 5xx reply */
    POSTMASTER_POLICY_DEFER = 3     /* refuse for now with a 4xx reply: the client will retry */
};

/* Bits of postmaster_policy_facts.flags. */
#define POSTMASTER_POLICY_TLS     0x1u /* the session is encrypted (STARTTLS done) */
#define POSTMASTER_POLICY_TRUSTED 0x2u /* the client is in trusted-networks or on this machine: it may relay */
#define POSTMASTER_POLICY_LOCAL   0x4u /* the client is on this machine (sendmail, the submission socket) */

/* What the daemon knows about the session when it asks. Later stages know more; what is not known
 * (yet) is NULL, never "". */
struct postmaster_policy_facts {
    uint32_t struct_size;        /* sizeof(struct postmaster_policy_facts) as the daemon was built;
                                    later minor revisions only append fields */
    uint32_t stage;              /* enum postmaster_policy_stage */
    const char *session_id;      /* the session's id in the daemon's log */
    const char *client_address;  /* "192.0.2.7" or "2001:db8::7" (IPv4 is never shown IPv6-mapped) */
    const char *client_name;     /* the client's forward-confirmed reverse DNS name, or NULL */
    const char *helo;            /* the HELO/EHLO argument, from POSTMASTER_POLICY_HELO on */
    const char *protocol;        /* "SMTP", "ESMTP" or "ESMTPS" */
    const char *tls;             /* "TLSv1.3 TLS_AES_256_GCM_SHA384", or NULL in plaintext */
    const char *sender;          /* the envelope sender from MAIL on; "" for the null sender <> */
    const char *recipient;       /* at RCPT: this recipient; at DATA: the only recipient when there is
                                    exactly one (as in Postfix), else NULL */
    const char *queue_id;        /* the message's queue id, from MAIL on */
    int64_t message_size;        /* at MAIL: the SIZE= the client announced; at DATA: the real size
                                    in octets; -1 when unknown */
    uint32_t recipient_count;    /* recipients accepted so far in this transaction */
    uint32_t flags;              /* POSTMASTER_POLICY_TLS | _TRUSTED | _LOCAL */
};

/*
 * Called once after loading, before any check, with the ABI version the daemon speaks.
 * Return POSTMASTER_POLICY_ABI_VERSION (the version this plugin was built for). The daemon refuses to
 * start (and check-config reports a configuration error) when the value differs from its own version.
 * On a failure of its own (a missing data file, say) return a negative number and write a one-line,
 * NUL-terminated reason of at most error_size bytes into error; it is shown as
 *     postmaster.cf:12:8: policy: dso: /path/plugin.so: init failed: <reason>
 * When init fails or returns another version, neither check nor cleanup is ever called.
 */
int postmaster_policy_init(uint32_t daemon_abi_version, char *error, size_t error_size);

/*
 * Called at every stage of every session. Return an enum postmaster_policy_verdict.
 *
 * For POSTMASTER_POLICY_REJECT and POSTMASTER_POLICY_DEFER, reply may hold the SMTP reply as one
 * NUL-terminated line "CODE ENHANCED-STATUS TEXT", for example
 *     "550 5.7.1 Mail from your domain is not accepted here"
 *     "451 4.7.1 Try again in a minute"
 * CODE is 5xx for a reject and 4xx for a defer (421/521 are not allowed: the daemon decides when to
 * close); ENHANCED-STATUS (RFC 3463) is optional but, when present, starts with the same class digit;
 * TEXT is printable ASCII or UTF-8 without control characters. Leave reply empty (reply[0] == '\0', as
 * the daemon passes it) for the defaults "550 5.7.1 Rejected by policy" and "450 4.7.1 Deferred by
 * policy; try again later". reply is ignored for CONTINUE and ACCEPT. The buffer has reply_size
 * (POSTMASTER_POLICY_REPLY_SIZE) bytes, zero-filled on entry; the text and its NUL must fit in it.
 *
 * ERRORS: an unknown return value, a reply without its NUL, with a code of the wrong class, a bad
 * enhanced status, control characters or invalid UTF-8 are the plugin's fault: the daemon logs what was
 * wrong with the plugin's name and answers the session with the failure reply ("policy-failure",
 * default 451 4.3.5), exactly as for a call that timed out.
 */
int postmaster_policy_check(const struct postmaster_policy_facts *facts, char *reply, size_t reply_size);

/*
 * Called once when the daemon stops (after its sessions ended) or when check-config is done, to release
 * what init took. Not called while a check is still stuck in the plugin, and never after a failed init.
 * The library stays loaded after it; no call follows.
 */
void postmaster_policy_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif /* POSTMASTER_POLICY_H */
