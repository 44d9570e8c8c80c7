package io.jobqueue.api;

/** What a bearer token may do. {@code admin} grants every role. */
public enum ApiRole {
    /** GET and HEAD: statistics, job lists, and (later) events and observability. */
    READ,
    /** Adding jobs: POST /jobs, POST /jobs/bulk. */
    WRITE,
    /** Everything else: clearing lists, retrying failed jobs, and any endpoint not named above. */
    ADMIN;

    /** This role as a bit, so that a token's roles are one int. */
    int bit() {
        return 1 << ordinal();
    }

    boolean isIn(int grants) {
        return (grants & bit()) != 0;
    }

    /** The bits a token holding this role has: admin holds them all. */
    int grants() {
        return this == ADMIN ? READ.bit() | WRITE.bit() | ADMIN.bit() : bit();
    }
}
