# The module imports through its manifest and exports exactly its six cmdlets.
param([Parameter(Mandatory)] [string] $RepoRoot)
$ErrorActionPreference = 'Stop'
Import-Module ([System.IO.Path]::Combine($RepoRoot, 'HashIndexer.psd1')) -Force
$expected = 'Compare-ImageHash', 'Get-ImageHash', 'Get-ImagePHash', 'Get-S3ImageJob', 'New-PresignedLinkIndex', 'Update-HashIndex'
$sorted = [string[]]@((Get-Command -Module HashIndexer).Name)
[Array]::Sort($sorted, [StringComparer]::Ordinal)
if (($sorted -join ',') -ne ($expected -join ',')) { throw "Exported cmdlets: $($sorted -join ', ')" }
foreach ($name in $expected) {
    $help = Get-Help $name
    if (-not $help.Examples) { throw "$name has no help examples." }
}
