#
# HashIndexer module manifest.
# In the repository this file points into the build output (out/HashIndexer/), so that
# `dotnet build` followed by `Import-Module ./HashIndexer.psd1` works from the root.
# The build writes a copy of it into out/HashIndexer/ with that folder prefix removed from every path:
# that copy is the manifest of the packaged module.
#
@{
    RootModule           = 'out/HashIndexer/HashIndexer.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f1d3c0e-5b7a-4e59-9a43-8f2b2c1d7e10'
    Author               = 'HashIndexer contributors'
    CompanyName          = 'HashIndexer'
    Copyright            = '(c) HashIndexer contributors. MIT License.'
    Description          = 'Perceptual-hash indexing of S3 photo folders, compatible with Python imagehash: Get-ImageHash, Get-ImagePHash, Compare-ImageHash, Get-S3ImageJob, Update-HashIndex, New-PresignedLinkIndex.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('out/HashIndexer/HashIndexer.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-ImageHash'
        'Get-ImagePHash'
        'Compare-ImageHash'
        'Get-S3ImageJob'
        'Update-HashIndex'
        'New-PresignedLinkIndex'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('phash', 'perceptual-hash', 'imagehash', 'duplicate-detection', 'S3', 'AWS', 'Parquet', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/hashindexer/HashIndexer'
            LicenseUri   = 'https://github.com/hashindexer/HashIndexer/blob/main/LICENSE'
            ReleaseNotes = 'First release: imagehash-compatible hashing, S3 jobs, incremental index, presigned links.'
        }
    }
}
