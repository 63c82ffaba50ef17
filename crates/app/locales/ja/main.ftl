# mamori の画面の文言（日本語）。キーは en/main.ftl と同じにすること（テストで確認）。

## 共通
nav-label = メインメニュー
nav-home = ダッシュボード
nav-facility = 医療機関情報
nav-audit = 監査ログ
nav-users = ユーザー管理
nav-account = 自分のアカウント
signed-in-as = { $name }（{ $role }）
logout = ログアウト
back-home = ダッシュボードへ戻る
required = 必須
save = 保存する
saved = 保存しました。
cancel = キャンセル
edit = 編集する
print = 印刷する
yes = はい
no = いいえ
created-at = 登録日時
last-updated = 最終更新
form-has-errors = 入力内容に問題があります。赤字の説明を確認して直してください。何も保存されていません。
field-required = 入力してください。
field-too-long = 長すぎます。短くしてください。
date-invalid = 日付は 2026-04-01 の形で入力してください。
confirm-sure = 本当に実行しますか？
page-previous = 前へ
page-next = 次へ

## エラー
error-forbidden-title = この操作はできません
error-forbidden = あなたの役割ではこのページを開けないか、この操作ができません。必要な場合は管理者に依頼してください。
error-not-found-title = ページが見つかりません
error-not-found = お探しのページはありません。メニューから選び直してください。
error-signin-title = ログインが必要です
error-signin = ログインの有効期限が切れました。もう一度ログインしてください。
error-conflict-title = 他の人が先に保存しました
error-conflict = この内容は、編集中に他の人が保存しました。最新の内容を確認してから、もう一度保存してください。
error-internal-title = エラーが発生しました
error-internal = 処理中にエラーが発生しました。時間をおいてもう一度試し、続く場合はシステム担当者にサーバーのログを確認してもらってください。

## 初期設定
setup-title = mamori の初期設定
setup-intro = 病院名と、最初の管理者アカウントを登録します。管理者はあとから他の職員や事業者のアカウントを作成できます。
setup-facility = 医療機関
setup-admin = 最初の管理者
setup-submit = 登録して始める
setup-link-invalid = 初期設定のリンクが無効です（有効期限切れ、使用済み、または誤り）。
setup-link-how = サーバーを起動したときに端末に表示された「初期設定リンク」を開いてください。リンクの有効期限は 1 時間です。期限が切れた場合は mamori serve を起動し直すと新しいリンクが表示されます。
setup-done = 初期設定が完了しました。登録した管理者アカウントでログインしてください。
setup-not-done = 初期設定が完了していません。

## ログイン
login-title = ログイン
login-submit = ログイン
login-help = パスワードを忘れた場合は、管理者にパスワードの再設定を依頼してください。
login-failed = ログインIDまたはパスワードが違います。
login-throttled = 失敗が続いたため、15 分間ログインを停止しています。時間をおいてから試すか、管理者に連絡してください。
login-2fa-title = 確認コードの入力
login-2fa-intro = 認証アプリに表示されている 6 桁の確認コードを入力してください。
login-2fa-recovery = スマートフォンが手元にない場合は、二要素認証の登録時に印刷した回復コードを 1 つ入力できます（各コードは 1 回だけ使えます）。
logout-done = ログアウトしました。
login-hint = 半角英数字と . _ - @ が使えます（64 文字まで）。
login-invalid = ログインIDには半角英数字と . _ - @ だけが使えます（64 文字まで）。
login-taken = このログインIDはすでに使われています。別のIDにしてください。
login-step = 失敗した段階

## パスワード
password-rule = 13 文字以上。二要素認証を使う場合は、英字・数字・記号を含む 8 文字以上でも可（厚生労働省チェックリスト令和7年度版の基準）。
password-too-short = パスワードは 13 文字以上にしてください。
password-too-short-2fa = パスワードは 13 文字以上、または英字・数字・記号をすべて含む 8 文字以上にしてください。
password-too-long = パスワードが長すぎます（256 文字まで）。
password-mismatch = 確認用のパスワードが一致しません。
password-wrong = 現在のパスワードが違います。
password-confirm = パスワード（確認）
password-current = 現在のパスワード
password-change-title = パスワードの変更
password-change-submit = パスワードを変更する
password-changed = パスワードを変更しました。

## 二要素認証
totp-title = 二要素認証の設定
totp-why = ログイン時に、パスワードに加えてスマートフォンの認証アプリの確認コードを求めます。パスワードが漏れても不正ログインを防げます。
totp-step-app = スマートフォンに認証アプリ（Google Authenticator、Microsoft Authenticator など）を入れます。
totp-step-scan = アプリで次の QR コードを読み取ります。
totp-step-manual = 読み取れない場合は、次の文字列（シークレット）をアプリに手入力してください。
totp-step-code = アプリに表示された 6 桁のコードを入力して、設定を完了します。
totp-qr-alt = 二要素認証の QR コード
totp-account = アプリでのアカウント名: { $account }
totp-code = 確認コード（6 桁）
totp-confirm = 確認して有効にする
totp-code-wrong = 確認コードが違います。アプリに表示されている最新の 6 桁を入力してください（スマートフォンの時刻が正しいかも確認してください）。
totp-no-pending = 設定を最初からやり直してください。
totp-enabled = 二要素認証を有効にしました。
totp-required-notice = この病院では全員に二要素認証が必要です。設定が終わるまで他のページは開けません。
recovery-title = 回復コード
recovery-once = 次の回復コードは今回しか表示されません。印刷して安全な場所に保管してください。スマートフォンをなくしたとき、各コードを 1 回だけ確認コードの代わりに使えます。
recovery-done = 保管しました
recovery-codes-left = 未使用の回復コード { $count } 個

## 役割
role-admin = 管理者
role-staff = 担当者
role-viewer = 閲覧者
role-vendor = 事業者
role-help = 管理者: すべての操作とユーザー管理。担当者: セキュリティ情報の編集。閲覧者: 閲覧のみ（経営層・監査）。事業者: 自社の担当部分のみ。
role-vendor-fixed = 事業者アカウントの役割は変更できません。必要なら新しいアカウントを作成してください。
cannot-change-own-role = 自分自身の役割は変更できません。
cannot-disable-self = 自分自身を無効にはできません。
last-admin = 有効な管理者が他にいないため、無効にできません。先に別の管理者を用意してください。

## ユーザー管理
users-title = ユーザー管理
user-new = ユーザーを追加
user-create = 追加する
user-created = ユーザーを追加しました。
user-login = ログインID
user-display-name = 表示名（氏名）
user-role = 役割
user-vendor = 事業者名
user-password = パスワード
user-initial-password = 初期パスワード
user-new-password = 新しいパスワード
user-two-factor = 二要素認証
user-status = 状態
user-active = 有効
user-disabled = 無効
user-language = 表示言語
user-enable = 有効に戻す
user-disable = 無効にする
user-disable-help = 無効にしたユーザーはログインできなくなります。監査ログの記録を守るため、ユーザーは削除できません。
user-change-role = 役割の変更
user-reset-password = パスワードの再設定
user-password-reset-done = パスワードを再設定しました。本人に安全な方法で伝えてください。
user-reset-2fa = 二要素認証のリセット
user-reset-2fa-help = スマートフォンをなくした場合などに使います。本人は次回ログイン時に設定し直します。
user-2fa-reset-done = 二要素認証をリセットしました。
vendor-name-hint = 役割が「事業者」のときに入力します（例: ○○メディカルシステム株式会社）。
vendor-name-required = 事業者アカウントには事業者名が必要です。
settings-require-totp = 全員に二要素認証を必須にする
settings-require-totp-help = 有効にすると、二要素認証を設定していないユーザーは、ログイン後に設定を終えるまで他のページを開けません。
settings-current = 現在の設定
settings-required = 必須
settings-optional = 任意
settings-make-required = 必須にする
settings-make-optional = 任意に戻す

## 自分のアカウント
account-title = 自分のアカウント

## 医療機関情報
facility-title = 医療機関情報
facility-profile = 基本情報
facility-edit-title = 医療機関情報の編集
facility-name = 名称
facility-founder = 開設者
facility-address = 所在地
facility-beds = 病床数
facility-director = 管理者（院長）
facility-not-filled = 未入力
facility-missing-fields = 未入力の項目: { $fields }
beds-invalid = 病床数は 0 から 10000 までの数字で入力してください。
sm-heading = 医療情報システム安全管理責任者
sm-checklist-ref = （チェックリスト 1①）
sm-hint = 医療情報システムの安全管理について責任と権限を持つ人です。院内の職員を選び、経営層の承認を得て任命します。
sm-name = 氏名
sm-role = 職名・部署
sm-appointed-on = 任命日
sm-approved-by = 承認した経営層（氏名）
sm-approved-on = 承認日
sm-scope = 権限の範囲
sm-scope-hint = 例: 医療情報システム全般の安全管理、事業者への指示、インシデント時の判断 など
sm-missing = 医療情報システム安全管理責任者が未登録です。
sm-missing-appointed = 安全管理責任者の任命日が未入力です。
sm-missing-approval = 安全管理責任者について、経営層の承認（氏名と日付）が未入力です。
sm-missing-scope = 安全管理責任者の権限の範囲が未入力です。

sm-short = 安全管理責任者
value-set = （設定）
value-reset = （再設定）
value-changed = （変更）

## ダッシュボード
next-step = 次にすること
next-step-go = 開く
all-set = 現在、登録が必要な項目はありません。
state-ok = 完了
state-todo = 要対応
card-security-manager = 安全管理責任者
card-facility = 医療機関情報
card-two-factor = 二要素認証
action-edit-facility = 医療機関情報を編集する
action-enrol-totp = 二要素認証を設定する
action-manage-users = ユーザーを管理する
totp-self-missing = あなたのアカウントに二要素認証が設定されていません。
totp-users-missing = 二要素認証を設定していないユーザーが { $count } 人います。
totp-not-required = 全員への二要素認証の必須化がまだです（ユーザー管理で設定）。
users-with-totp = 有効なユーザー { $total } 人のうち { $with } 人が二要素認証を設定済み

## 監査ログ
audit-title = 監査ログ
audit-intro = mamori で行われたすべての変更とログインの記録です。記録は追記のみで、誰も変更・削除できません（改ざんは mamori audit verify で検出できます）。
audit-user = 操作者
audit-type = 記録の種類
audit-from = 開始日
audit-to = 終了日
audit-all = すべて
audit-filter = 絞り込む
audit-clear = 条件をクリア
audit-empty = 条件に合う記録はありません。
audit-when = 日時
audit-who = 操作者・IP
audit-action = 操作
audit-record = 対象
audit-changes = 変更内容
entity-facility = 医療機関情報
entity-user = ユーザー
entity-vendor = 事業者
entity-setup = 初期設定
action-create = 作成
action-update = 更新
action-disable = 無効化
action-enable = 有効化
action-login = ログイン
action-logout = ログアウト
action-login-failed = ログイン失敗
action-login-refused = ログイン拒否（試行回数超過）
action-reset-password = パスワード再設定
action-change-password = パスワード変更
action-reset-2fa = 二要素認証リセット
action-enable-2fa = 二要素認証の有効化
action-use-recovery-code = 回復コードの使用
action-change-role = 役割の変更
action-complete-setup = 初期設定の完了
