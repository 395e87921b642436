/*
 * policy_example.c - a sample Postmaster policy plugin (see packaging/include/postmaster_policy.h).
 *
 *   - refuses the HELO name "spammer.example" and senders in the domain spammer.example (550 5.7.1);
 *   - defers senders in the domain tempfail.example (451 4.7.1), as a greylisting plugin would;
 *   - lets everything else through to the next policy.
 *
 * Build and use:
 *     gcc -shared -fPIC -O2 -Wall -I packaging/include -o /usr/local/lib/postmaster/policy_example.so \
 *         packaging/examples/policy_example.c
 *     echo 'policy dso(/usr/local/lib/postmaster/policy_example.so)' >> /etc/postmaster.cf
 *     postmaster check-config
 *
 * It keeps no state, so it is thread-safe as it stands.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "postmaster_policy.h"

static const char blocked_domain[] = "spammer.example";
static const char deferred_domain[] = "tempfail.example";

/* Whether the address ends in "@domain" (case-insensitive, as domains compare). */
static int in_domain(const char *address, const char *domain)
{
    const char *at = address ? strrchr(address, '@') : NULL;
    return at != NULL && strcasecmp(at + 1, domain) == 0;
}

int postmaster_policy_init(uint32_t daemon_abi_version, char *error, size_t error_size)
{
    (void)error;
    (void)error_size;
    (void)daemon_abi_version;   /* a plugin that speaks several versions would choose here */
    return POSTMASTER_POLICY_ABI_VERSION;
}

int postmaster_policy_check(const struct postmaster_policy_facts *facts, char *reply, size_t reply_size)
{
    switch (facts->stage) {
    case POSTMASTER_POLICY_HELO:
        if (facts->helo != NULL && strcasecmp(facts->helo, blocked_domain) == 0) {
            snprintf(reply, reply_size, "550 5.7.1 HELO %s is not welcome here", blocked_domain);
            return POSTMASTER_POLICY_REJECT;
        }
        break;
    case POSTMASTER_POLICY_MAIL:
        if (in_domain(facts->sender, blocked_domain)) {
            snprintf(reply, reply_size, "550 5.7.1 Mail from %s is not accepted here", blocked_domain);
            return POSTMASTER_POLICY_REJECT;
        }
        if (in_domain(facts->sender, deferred_domain)) {
            snprintf(reply, reply_size, "451 4.7.1 Senders at %s must try again later", deferred_domain);
            return POSTMASTER_POLICY_DEFER;
        }
        break;
    default:
        break;
    }
    return POSTMASTER_POLICY_CONTINUE;
}

void postmaster_policy_cleanup(void)
{
}
