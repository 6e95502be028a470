<#
.SYNOPSIS
    Builds, tests and packages HashIndexer. Wraps the same steps the .NET SDK runs on its own.

.DESCRIPTION
    Build    dotnet build HashIndexer.sln -c <Configuration>: assembles the importable module in
             out/HashIndexer (the repository's HashIndexer.psd1 points into it).
    Test     dotnet test HashIndexer.sln -c <Configuration>: every suite (engine, hosted PowerShell).
             With pwsh and Pester 5 installed, also runs tests/Pester.
    Package  out/package/HashIndexer/<version>/ (a versioned module folder, ready for $env:PSModulePath)
             and out/package/HashIndexer.<version>.nupkg, which Install-Module / Install-PSResource
             accept from a local repository (see README.md, "Install").

.EXAMPLE
    ./build.ps1                      # Build
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Package; Register-PSRepository -Name Local -SourceLocation ./out/package; Install-Module HashIndexer -Repository Local
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Push-Location $PSScriptRoot
try {
    function Invoke-Dotnet {
        & dotnet @args
        if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
    }

    foreach ($step in $Task) {
        switch ($step) {
            'Build' {
                Invoke-Dotnet build HashIndexer.sln -c $Configuration
            }
            'Test' {
                Invoke-Dotnet test HashIndexer.sln -c $Configuration
                if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
                    $result = Invoke-Pester -Path tests/Pester -PassThru
                    if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
                }
            }
            'Package' {
                # The same MSBuild target that `dotnet build -t:PackageModule` runs, so the package is
                # identical whether it was made from PowerShell or from the .NET SDK alone.
                Invoke-Dotnet build HashIndexer.sln -c $Configuration
                Invoke-Dotnet msbuild src/HashIndexer/HashIndexer.csproj -t:PackageModule -p:Configuration=$Configuration
                Get-ChildItem out/package -Filter *.nupkg | ForEach-Object { Write-Host "Package: $($_.FullName)" }
            }
        }
    }
}
finally {
    Pop-Location
}
