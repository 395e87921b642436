/*
 * test_policy.c - policy plugins for the tests, most of them misbehaving (built with gcc by the tests).
 * -D options pick the behaviour; without any the plugin says CONTINUE to everything.
 *
 *   -DHANG=N       at MAIL from a sender whose local part is "hang": sleeps N seconds, then CONTINUE
 *   -DGARBAGE      at MAIL, by the sender's local part: "verdict" returns 42, "code" rejects with "250 2.0.0 ok",
 *                  "class" rejects with "450 4.7.1 wrong class", "latin1" rejects with a non-UTF-8 text,
 *                  "unterminated" fills the whole reply buffer without a NUL, "status" rejects with "550 5.7 x";
 *                  "fine" rejects properly with "554 5.7.1 Fine rejection"
 *   -DABI=N        init returns N instead of POSTMASTER_POLICY_ABI_VERSION
 *   -DINIT_FAILS   init fails with the reason "cannot open /nonexistent/plugin.db"
 *   -DNO_CLEANUP   does not define postmaster_policy_cleanup
 *   -DSLOW_MS=N    at MAIL: sleeps N milliseconds, then CONTINUE
 *   -DECHO         at MAIL from a sender whose local part is "echo", and at every RCPT: rejects with the facts
 *                  as text, "550 5.7.1 stage=4 client=... name=... helo=... proto=... tls=... sender=... rcpt=...
 *                  qid=... size=... count=... flags=... struct=..."
 *   -DCLEANUP_FILE="/path"  cleanup appends "cleanup" to that file
 *   -DINIT_FILE="/path"     init appends "init" to that file
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "postmaster_policy.h"

static __attribute__((unused)) int local_part_is(const char *address, const char *local)
{
    size_t n = strlen(local);
    return address != NULL && strncmp(address, local, n) == 0 && address[n] == '@';
}

int postmaster_policy_init(uint32_t daemon_abi_version, char *error, size_t error_size)
{
    (void)daemon_abi_version;
#ifdef INIT_FILE
    FILE *file = fopen(INIT_FILE, "a");
    if (file != NULL) {
        fputs("init\n", file);
        fclose(file);
    }
#endif
#ifdef INIT_FAILS
    snprintf(error, error_size, "cannot open /nonexistent/plugin.db");
    return -1;
#else
    (void)error;
    (void)error_size;
#endif
#ifdef ABI
    return ABI;
#else
    return POSTMASTER_POLICY_ABI_VERSION;
#endif
}

int postmaster_policy_check(const struct postmaster_policy_facts *facts, char *reply, size_t reply_size)
{
#ifdef ECHO
#define S(x) ((x) != NULL ? (x) : "(null)")
    if (facts->stage == POSTMASTER_POLICY_RCPT || (facts->stage == POSTMASTER_POLICY_MAIL && local_part_is(facts->sender, "echo"))) {
        snprintf(reply, reply_size,
                 "550 5.7.1 stage=%u client=%s name=%s helo=%s proto=%s tls=%s sender=%s rcpt=%s qid=%s size=%" PRId64
                 " count=%u flags=%u struct=%u",
                 facts->stage, S(facts->client_address), S(facts->client_name), S(facts->helo), S(facts->protocol),
                 S(facts->tls), S(facts->sender), S(facts->recipient), S(facts->queue_id), facts->message_size,
                 facts->recipient_count, facts->flags, facts->struct_size);
        return POSTMASTER_POLICY_REJECT;
    }
#endif
    if (facts->stage != POSTMASTER_POLICY_MAIL)
        return POSTMASTER_POLICY_CONTINUE;
#ifdef SLOW_MS
    struct timespec pause = { SLOW_MS / 1000, (SLOW_MS % 1000) * 1000000L };
    nanosleep(&pause, NULL);
#endif
#ifdef HANG
    if (local_part_is(facts->sender, "hang"))
        sleep(HANG);
#endif
#ifdef GARBAGE
    if (local_part_is(facts->sender, "verdict"))
        return 42;
    if (local_part_is(facts->sender, "code")) {
        snprintf(reply, reply_size, "250 2.0.0 ok");
        return POSTMASTER_POLICY_REJECT;
    }
    if (local_part_is(facts->sender, "class")) {
        snprintf(reply, reply_size, "450 4.7.1 wrong class");
        return POSTMASTER_POLICY_REJECT;
    }
    if (local_part_is(facts->sender, "latin1")) {
        snprintf(reply, reply_size, "550 5.7.1 caf\xe9");
        return POSTMASTER_POLICY_REJECT;
    }
    if (local_part_is(facts->sender, "unterminated")) {
        memset(reply, 'x', reply_size);
        return POSTMASTER_POLICY_REJECT;
    }
    if (local_part_is(facts->sender, "status")) {
        snprintf(reply, reply_size, "550 5.7 x");
        return POSTMASTER_POLICY_REJECT;
    }
    if (local_part_is(facts->sender, "fine")) {
        snprintf(reply, reply_size, "554 5.7.1 Fine rejection");
        return POSTMASTER_POLICY_REJECT;
    }
#endif
    (void)reply;
    (void)reply_size;
    return POSTMASTER_POLICY_CONTINUE;
}

#ifndef NO_CLEANUP
void postmaster_policy_cleanup(void)
{
#ifdef CLEANUP_FILE
    FILE *file = fopen(CLEANUP_FILE, "a");
    if (file != NULL) {
        fputs("cleanup\n", file);
        fclose(file);
    }
#endif
}
#endif
