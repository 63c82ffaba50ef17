# Registers mamori with Windows Task Scheduler: the server at startup, a daily backup at 02:00
# and, with -FeedUpdate (this computer reaches the internet), a daily feed update at 06:30.
# Run in an administrator PowerShell, with mamori.exe in the folder given (default C:\mamori):
#   powershell -ExecutionPolicy Bypass -File install-mamori-tasks.ps1 -Folder C:\mamori
param(
    [string]$Folder = "C:\mamori",
    [switch]$FeedUpdate
)
$ErrorActionPreference = "Stop"
$exe = Join-Path $Folder "mamori.exe"
$data = Join-Path $Folder "mamori-data"
$backups = Join-Path $Folder "backups"
if (-not (Test-Path $exe)) { throw "mamori.exe が見つかりません: $exe" }
# The one-time setup link is printed where mamori runs; a task has no window to print it in.
if (-not (Test-Path $data)) {
    throw "先に PowerShell で「cd $Folder; .\mamori.exe serve」を一度実行し、表示される初期設定リンクで設定を済ませてから（Ctrl+C で止めて）、このスクリプトを実行してください。"
}
New-Item -ItemType Directory -Force -Path $backups | Out-Null
# The data folder holds the attacker's map of the hospital: only administrators and SYSTEM.
icacls $Folder /inheritance:r /grant:r "Administrators:(OI)(CI)F" "SYSTEM:(OI)(CI)F" | Out-Null

$principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Highest
$always = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) -ExecutionTimeLimit ([TimeSpan]::Zero)

$serve = New-ScheduledTaskAction -Execute $exe -WorkingDirectory $Folder -Argument "serve --data `"$data`" --listen 127.0.0.1:8080"
Register-ScheduledTask -TaskName "mamori" -Action $serve -Trigger (New-ScheduledTaskTrigger -AtStartup) -Settings $always -Principal $principal -Force | Out-Null

$backup = New-ScheduledTaskAction -Execute $exe -WorkingDirectory $Folder -Argument "backup --data `"$data`" `"$backups\mamori-backup.sqlite`""
Register-ScheduledTask -TaskName "mamori backup" -Action $backup -Trigger (New-ScheduledTaskTrigger -Daily -At 2am) -Principal $principal -Force | Out-Null

if ($FeedUpdate) {
    $feeds = New-ScheduledTaskAction -Execute $exe -WorkingDirectory $Folder -Argument "feeds update --data `"$data`""
    Register-ScheduledTask -TaskName "mamori feeds update" -Action $feeds -Trigger (New-ScheduledTaskTrigger -Daily -At 6:30am) -Principal $principal -Force | Out-Null
}
Start-ScheduledTask -TaskName "mamori"
Write-Output "mamori をタスク スケジューラに登録しました（mamori / mamori backup$(if ($FeedUpdate) { ' / mamori feeds update' })）。"
