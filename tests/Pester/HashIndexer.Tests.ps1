#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Thin Pester wrappers over tests/Scenarios, which the xUnit-hosted suite (dotnet test) also runs.
# Run: ./build.ps1 -Task Test   (or: Invoke-Pester ./tests/Pester)

BeforeAll {
    $script:RepoRoot = (Resolve-Path "$PSScriptRoot/../..").Path
    $script:Scenarios = Join-Path $RepoRoot 'tests/Scenarios'
    $script:Corpus = Join-Path $RepoRoot '../shared/corpus'
}

Describe 'HashIndexer scenarios' {
    It 'imports through the manifest with its six cmdlets and their help' {
        & "$Scenarios/Module.Scenario.ps1" -RepoRoot $RepoRoot
    }

    It 'hashes the samples exactly as Python imagehash does' -Skip:(-not (Test-Path $Corpus)) {
        & "$Scenarios/PythonCompatibility.Scenario.ps1" -RepoRoot $RepoRoot -Corpus $Corpus
    }

    It 'indexes the samples, then finds nothing new' {
        & "$Scenarios/SampleIndex.Scenario.ps1" -RepoRoot $RepoRoot -WorkDir (Join-Path $TestDrive 'index')
    }

    It 'writes the original CSV through Export-Csv' {
        # The one check that needs pwsh's utility cmdlets (not in the hosted engine).
        $csv = Join-Path $TestDrive 'rows.csv'
        Get-ChildItem (Join-Path $RepoRoot 'samples/jobs') -Recurse -Include *.jpg, *.png |
            Get-ImagePHash | Export-Csv $csv -NoTypeInformation -UseQuotes AsNeeded
        (Get-Content $csv -First 1) | Should -Be 'image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash'
    }
}
