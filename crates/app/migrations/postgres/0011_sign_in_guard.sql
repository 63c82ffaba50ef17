-- The sign-in guard (issue #15). Keep in step with the other database's tree.
-- Addresses a login has fully signed in from: the owner's own computers are not slowed down
-- when someone elsewhere guesses at the same login.
CREATE TABLE login_addresses (
    login            TEXT NOT NULL,
    ip               TEXT NOT NULL,
    last_success_at  TEXT NOT NULL,
    PRIMARY KEY (login, ip)
);

-- Old failure rows are removed by time.
CREATE INDEX login_failures_at ON login_failures (at);
