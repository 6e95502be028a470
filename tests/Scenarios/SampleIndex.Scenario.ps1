# The README's main job on the bundled samples: a first run indexes the 8 photos with the original CSV
# header; a second run hashes nothing and says so.
param([Parameter(Mandatory)] [string] $RepoRoot, [Parameter(Mandatory)] [string] $WorkDir)
$ErrorActionPreference = 'Stop'
Import-Module ([System.IO.Path]::Combine($RepoRoot, 'HashIndexer.psd1')) -Force

$config = [System.IO.Path]::Combine($RepoRoot, 'samples', 'main_config.yaml')
$output = [System.IO.Path]::Combine($WorkDir, 'index')
$state = [System.IO.Path]::Combine($WorkDir, 'state.json')

$first = Update-HashIndex -Config $config -OutputPath $output -StatePath $state
if ($first.New -ne 8 -or $first.Failed -ne 0 -or $first.Skipped -ne 3) { throw "First run: New=$($first.New) Failed=$($first.Failed) Skipped=$($first.Skipped)" }
$csv = [System.IO.File]::ReadAllLines("$output.csv")
if ($csv[0] -ne 'image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash') { throw "CSV header: $($csv[0])" }
if ($csv.Count -ne 9) { throw "CSV rows: $($csv.Count - 1)" }

$second = Update-HashIndex -Config $config -OutputPath $output -StatePath $state -Verbose 4>&1
$summary = $second | Where-Object { $_ -is [HashIndexer.IndexUpdateSummary] }
$verbose = $second | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message }
if ($summary.Unchanged -ne 8 -or $summary.New -ne 0) { throw "Second run: Unchanged=$($summary.Unchanged) New=$($summary.New)" }
if ($verbose -notcontains 'No new images to process.') { throw 'The second run did not say "No new images to process."' }
