# The sample photos hash to exactly what Python imagehash 4.3.2 gives (shared/corpus/golden.csv),
# through Get-ImageHash and Get-ImagePHash, matched by the file's SHA-256.
param([Parameter(Mandatory)] [string] $RepoRoot, [Parameter(Mandatory)] [string] $Corpus)
$ErrorActionPreference = 'Stop'
Import-Module ([System.IO.Path]::Combine($RepoRoot, 'HashIndexer.psd1')) -Force

$lines = [System.IO.File]::ReadAllLines([System.IO.Path]::Combine($Corpus, 'golden.csv'))
$header = $lines[0].Split(',')
$golden = @{}
for ($i = 1; $i -lt $lines.Length; $i++) {
    $cells = $lines[$i].Split(',')
    $row = @{}
    for ($c = 0; $c -lt $header.Length; $c++) { $row[$header[$c]] = $cells[$c] }
    $golden[$row.sha256] = $row
}

$images = [System.IO.Directory]::GetFiles([System.IO.Path]::Combine($RepoRoot, 'samples', 'jobs'), '*.*', 'AllDirectories') |
    Where-Object { $_ -match '\.(jpg|png)$' }
if ($images.Count -lt 8) { throw "Expected the 8 sample photos, found $($images.Count)." }

$hashes = Get-ImageHash -LiteralPath $images -Algorithm PHash, DHash, AHash, WHash, Sha256
$rows = Get-ImagePHash -LiteralPath $images
for ($i = 0; $i -lt $images.Count; $i++) {
    $g = $golden[$hashes[$i].Sha256]
    if (-not $g) { throw "No golden row for $($images[$i])." }
    foreach ($pair in @(('PHash', 'phash'), ('DHash', 'dhash'), ('AHash', 'ahash'), ('WHash', 'whash'))) {
        if ($hashes[$i].($pair[0]) -ne $g[$pair[1]]) { throw "$($images[$i]) $($pair[0]): $($hashes[$i].($pair[0])), Python: $($g[$pair[1]])" }
    }
    foreach ($pair in @(('original_hash', 'seed_original'), ('h_flip_hash', 'seed_h_flip'), ('v_flip_hash', 'seed_v_flip'))) {
        if ($rows[$i].($pair[0]) -ne $g[$pair[1]]) { throw "$($images[$i]) $($pair[0]): $($rows[$i].($pair[0])), Python: $($g[$pair[1]])" }
    }
}
