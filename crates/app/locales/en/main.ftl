# mamori interface messages (English). Keys must match ja/main.ftl (a test checks).

## Common
nav-label = Main menu
nav-home = Dashboard
nav-facility = Facility
nav-audit = Audit trail
nav-users = Users
nav-account = My account
signed-in-as = { $name } ({ $role })
logout = Sign out
back-home = Back to the dashboard
required = required
save = Save
saved = Saved.
cancel = Cancel
edit = Edit
print = Print
yes = Yes
no = No
created-at = Created
last-updated = Last updated
form-has-errors = Some entries need fixing; see the notes in red. Nothing was saved.
field-required = Please fill this in.
field-too-long = Too long; please shorten it.
date-invalid = Enter dates as 2026-04-01.
confirm-sure = Are you sure?
page-previous = Previous
page-next = Next

## Errors
error-forbidden-title = Not allowed
error-forbidden = Your role cannot open this page or do this. Ask an administrator if you need it.
error-not-found-title = Page not found
error-not-found = There is no such page. Please choose again from the menu.
error-signin-title = Please sign in
error-signin = Your sign-in has expired. Please sign in again.
error-conflict-title = Someone else saved first
error-conflict = Someone else saved this while you were editing. Check the latest version, then save again.
error-internal-title = Something went wrong
error-internal = An error occurred. Try again in a moment; if it keeps happening, ask your system contact to check the server log.

## Setup
setup-title = Set up mamori
setup-intro = Register the hospital's name and the first administrator. The administrator can then create accounts for staff and vendors.
setup-facility = Hospital
setup-admin = First administrator
setup-submit = Register and start
setup-link-invalid = This setup link is not valid (expired, already used, or mistyped).
setup-link-how = Open the setup link printed in the terminal when the server started. Links are valid for one hour; restart mamori serve to print a new one.
setup-done = Setup is complete. Sign in with the administrator account you registered.
setup-not-done = Setup has not been completed.

## Sign-in
login-title = Sign in
login-submit = Sign in
login-help = Forgot your password? Ask an administrator to reset it.
login-failed = The login ID or password is wrong.
login-throttled = Too many failed attempts: sign-in is paused for 15 minutes. Try later or contact an administrator.
login-2fa-title = Enter your code
login-2fa-intro = Enter the 6-digit code shown in your authenticator app.
login-2fa-recovery = Without your phone, you can enter one of the recovery codes you printed when you set up two-factor authentication (each works once).
logout-done = You have signed out.
login-hint = Letters, digits and . _ - @ (up to 64 characters).
login-invalid = A login ID may contain only letters, digits and . _ - @ (up to 64 characters).
login-taken = This login ID is already taken; choose another.
login-step = Failed step

## Passwords
password-rule = At least 13 characters; or, with two-factor authentication, at least 8 mixing letters, digits and symbols (MHLW checklist, FY2025 edition).
password-too-short = Use at least 13 characters.
password-too-short-2fa = Use at least 13 characters, or at least 8 that include letters, digits and symbols.
password-too-long = The password is too long (256 characters at most).
password-mismatch = The two passwords do not match.
password-wrong = The current password is wrong.
password-confirm = Password (again)
password-current = Current password
password-change-title = Change password
password-change-submit = Change password
password-changed = Your password has been changed.

## Two-factor authentication
totp-title = Two-factor authentication
totp-why = Signing in will also ask for a code from an authenticator app on your phone, so a leaked password alone cannot get in.
totp-step-app = Install an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, …).
totp-step-scan = Scan this QR code with the app.
totp-step-manual = If scanning does not work, type this secret into the app.
totp-step-code = Enter the 6-digit code the app shows to finish.
totp-qr-alt = QR code for two-factor authentication
totp-account = Account name in the app: { $account }
totp-code = Code (6 digits)
totp-confirm = Confirm and turn on
totp-code-wrong = The code is wrong. Enter the newest 6 digits from the app (and check the phone's clock).
totp-no-pending = Please start the setup again.
totp-enabled = Two-factor authentication is on.
totp-required-notice = This hospital requires two-factor authentication for everyone. Other pages open once you have set it up.
recovery-title = Recovery codes
recovery-once = These recovery codes are shown only now. Print them and keep them somewhere safe. If you lose your phone, each code works once instead of a 6-digit code.
recovery-done = I have stored them
recovery-codes-left = { $count } unused recovery codes

## Roles
role-admin = Administrator
role-staff = Staff
role-viewer = Viewer
role-vendor = Vendor
role-help = Administrator: everything, including users. Staff: edits security data. Viewer: reads only (management, auditors). Vendor: only its own part.
role-vendor-fixed = A vendor account's role cannot be changed; create a new account instead.
cannot-change-own-role = You cannot change your own role.
cannot-disable-self = You cannot disable yourself.
last-admin = This is the last active administrator; add another administrator first.

## Users
users-title = Users
user-new = Add a user
user-create = Add
user-created = The user was added.
user-login = Login ID
user-display-name = Display name
user-role = Role
user-vendor = Vendor name
user-password = Password
user-initial-password = Initial password
user-new-password = New password
user-two-factor = Two-factor
user-status = Status
user-active = Active
user-disabled = Disabled
user-language = Language
user-enable = Enable again
user-disable = Disable
user-disable-help = A disabled user can no longer sign in. Users are never deleted, so the audit trail stays complete.
user-change-role = Change role
user-reset-password = Reset password
user-password-reset-done = The password was reset. Tell the user in a safe way.
user-reset-2fa = Reset two-factor authentication
user-reset-2fa-help = For a lost phone: the user sets it up again at the next sign-in.
user-2fa-reset-done = Two-factor authentication was reset.
vendor-name-hint = Needed when the role is Vendor (for example, the vendor's company name).
vendor-name-required = A vendor account needs the vendor's name.
settings-require-totp = Require two-factor authentication for everyone
settings-require-totp-help = When required, users without two-factor authentication must set it up right after signing in before they can open other pages.
settings-current = Current setting
settings-required = Required
settings-optional = Optional
settings-make-required = Make it required
settings-make-optional = Make it optional

## My account
account-title = My account

## Facility
facility-title = Facility profile
facility-profile = Basic information
facility-edit-title = Edit facility profile
facility-name = Name
facility-founder = Founder (開設者)
facility-address = Address
facility-beds = Beds
facility-director = Director (院長)
facility-not-filled = Not filled in
facility-missing-fields = Not filled in: { $fields }
beds-invalid = Enter the number of beds as a number from 0 to 10000.
sm-heading = Medical information system security manager
sm-checklist-ref = (checklist 1①)
sm-hint = The person responsible, with authority, for the security of the medical information systems. Choose a staff member and have management approve the appointment.
sm-name = Name
sm-role = Position / department
sm-appointed-on = Appointed on
sm-approved-by = Approved by (management, name)
sm-approved-on = Approved on
sm-scope = Scope of authority
sm-scope-hint = For example: security of all medical information systems, instructions to vendors, decisions during incidents.
sm-missing = No security manager (安全管理責任者) is registered.
sm-missing-appointed = The security manager's appointment date is missing.
sm-missing-approval = Management's approval of the security manager (name and date) is missing.
sm-missing-scope = The security manager's scope of authority is missing.

sm-short = Security manager
value-set = (set)
value-reset = (reset)
value-changed = (changed)

## Dashboard
next-step = Next step
next-step-go = Open
all-set = Nothing needs registering right now.
state-ok = Done
state-todo = To do
card-security-manager = Security manager
card-facility = Facility profile
card-two-factor = Two-factor authentication
action-edit-facility = Edit the facility profile
action-enrol-totp = Set up two-factor authentication
action-manage-users = Manage users
totp-self-missing = Your account has no two-factor authentication.
totp-users-missing = { $count } users have no two-factor authentication.
totp-not-required = Two-factor authentication is not yet required for everyone (set it under Users).
users-with-totp = { $with } of { $total } active users use two-factor authentication

## Audit trail
audit-title = Audit trail
audit-intro = Every change and sign-in made in mamori. Entries are append-only: nobody can change or delete them (mamori audit verify detects tampering).
audit-user = User
audit-type = Record type
audit-from = From
audit-to = To
audit-all = All
audit-filter = Filter
audit-clear = Clear filters
audit-empty = No entries match.
audit-when = When
audit-who = Who / IP
audit-action = Action
audit-record = Record
audit-changes = Changes
entity-facility = Facility
entity-user = User
entity-vendor = Vendor
entity-setup = Setup
action-create = Created
action-update = Updated
action-disable = Disabled
action-enable = Enabled
action-login = Signed in
action-logout = Signed out
action-login-failed = Sign-in failed
action-login-refused = Sign-in refused (too many attempts)
action-reset-password = Password reset
action-change-password = Password changed
action-reset-2fa = Two-factor reset
action-enable-2fa = Two-factor turned on
action-use-recovery-code = Recovery code used
action-change-role = Role changed
action-complete-setup = Setup completed
