# Installs awslab from a GitHub release on Windows (x86_64; Windows on Arm runs it emulated):
#   powershell -ExecutionPolicy ByPass -c "irm https://github.com/OWNER/awslab/releases/latest/download/install.ps1 | iex"
#
# It downloads awslab-x86_64-pc-windows-msvc.zip and its .sha256, refuses the archive unless its
# SHA-256 matches, checks that awslab.exe runs, and only then puts it in place
# (~\.local\bin\awslab.exe by default), adding that folder to the user's PATH if it is not there.
# It contacts nothing but the release's download folder.
#
# Parameters (each also an environment variable, which is how `irm | iex` passes them):
#   -To DIR           AWSLAB_INSTALL_DIR        where to install (default: ~\.local\bin)
#   -Version X.Y.Z    AWSLAB_VERSION            a release other than the latest
#   -NoModifyPath     AWSLAB_NO_MODIFY_PATH=1   leave PATH alone
#                     AWSLAB_INSTALL_BASE_URL   the folder holding the release's files, instead
#                                               of GitHub (a mirror; a local server in tests)
#                     AWSLAB_REPO               owner/name of the GitHub repository
param(
    [string]$To = $env:AWSLAB_INSTALL_DIR,
    [string]$Version = $env:AWSLAB_VERSION,
    [switch]$NoModifyPath
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# The repository Cargo.toml names (scripts/release-check.sh checks that they agree).
$Repo = if ($env:AWSLAB_REPO) { $env:AWSLAB_REPO } else { 'OWNER/awslab' }
$Target = 'x86_64-pc-windows-msvc'
$Archive = "awslab-$Target.zip"

function Say([string]$Text) { Write-Host "awslab installer: $Text" }
function Fail([string]$Text) {
    Write-Host "awslab installer: error: $Text" -ForegroundColor Red
    throw "awslab installer: $Text"
}

if (-not [Environment]::Is64BitOperatingSystem) {
    Fail "no prebuilt awslab for 32-bit Windows; build it from source: cargo install --locked awslab"
}
if (-not $To) { $To = Join-Path $HOME '.local\bin' }
if (-not $Version) { $Version = 'latest' }
$Version = $Version.TrimStart('v')
$Base = $env:AWSLAB_INSTALL_BASE_URL
if (-not $Base) {
    if ($Version -eq 'latest') {
        $Base = "https://github.com/$Repo/releases/latest/download"
    } else {
        $Base = "https://github.com/$Repo/releases/download/v$Version"
    }
}
$Base = $Base.TrimEnd('/')
if ($env:AWSLAB_NO_MODIFY_PATH -eq '1') { $NoModifyPath = $true }

# Windows PowerShell 5.1 may not offer TLS 1.2 by default; GitHub requires it.
try {
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
} catch { }

$Tmp = Join-Path ([IO.Path]::GetTempPath()) ("awslab-install-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $Tmp | Out-Null
$Staged = $null
try {
    Say "downloading $Base/$Archive"
    $ZipPath = Join-Path $Tmp $Archive
    $SumPath = "$ZipPath.sha256"
    try {
        Invoke-WebRequest -UseBasicParsing -Uri "$Base/$Archive" -OutFile $ZipPath
        Invoke-WebRequest -UseBasicParsing -Uri "$Base/$Archive.sha256" -OutFile $SumPath
    } catch {
        Fail "could not download from ${Base}: $($_.Exception.Message)"
    }

    $Expected = (([string](Get-Content -Raw $SumPath)).Trim() -split '\s+')[0].ToLowerInvariant()
    if ($Expected -notmatch '^[0-9a-f]{64}$') {
        Fail "$Archive.sha256 does not hold a SHA-256; nothing was installed"
    }
    $Actual = (Get-FileHash -Algorithm SHA256 -Path $ZipPath).Hash.ToLowerInvariant()
    if ($Actual -ne $Expected) {
        Fail "checksum mismatch for ${Archive}: expected $Expected, got $Actual. The download is damaged or not the published file; nothing was installed."
    }
    Say "checksum verified (SHA-256 $Actual)"

    $Unpacked = Join-Path $Tmp 'x'
    Expand-Archive -Path $ZipPath -DestinationPath $Unpacked
    $New = Join-Path $Unpacked "awslab-$Target\awslab.exe"
    if (-not (Test-Path -PathType Leaf $New)) {
        Fail "$Archive holds no awslab-$Target\awslab.exe; nothing was installed"
    }

    # Staged beside its final place, tried, then moved over any older awslab.exe.
    New-Item -ItemType Directory -Force -Path $To | Out-Null
    $To = (Resolve-Path $To).Path
    $Staged = Join-Path $To ".awslab.new.$PID.exe"
    Copy-Item $New $Staged
    try {
        $Runs = & $Staged --version 2>&1
        $Ran = ($LASTEXITCODE -eq 0)
    } catch {
        $Runs = $_.Exception.Message
        $Ran = $false
    }
    if (-not $Ran) {
        Fail "the downloaded awslab does not run on this machine ($Runs); nothing was installed"
    }
    Move-Item -Force $Staged (Join-Path $To 'awslab.exe')
    $Staged = $null
    Say "installed $Runs to $(Join-Path $To 'awslab.exe')"
} finally {
    if ($Staged -and (Test-Path $Staged)) { Remove-Item -Force $Staged }
    Remove-Item -Recurse -Force $Tmp -ErrorAction SilentlyContinue
}

$UserPath = [Environment]::GetEnvironmentVariable('Path', 'User')
$OnPath = ($env:Path -split ';') -contains $To
if (-not $OnPath -and -not $NoModifyPath) {
    $NewPath = if ($UserPath) { "$To;$UserPath" } else { $To }
    [Environment]::SetEnvironmentVariable('Path', $NewPath, 'User')
    $env:Path = "$To;$env:Path"
    Say "added $To to your PATH (new terminals see it)"
    $OnPath = $true
}
if ($OnPath) {
    Say "start the lab wizard with: awslab run"
} else {
    Say "start the lab wizard with: & '$(Join-Path $To 'awslab.exe')' run"
}
