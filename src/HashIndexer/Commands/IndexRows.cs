// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Commands;

/// <summary>
/// Index rows in the original indexer's column order, so that <c>| Export-Csv</c> writes the original
/// CSV: image_name, job_number, job_url, original_hash, h_flip_hash, v_flip_hash, then the advanced
/// permutation columns, then (S3 only) etag, size, last_modified.
/// </summary>
internal static class IndexRows
{
    public static PSObject Create(LoadedImage input, ImageHashResult result)
    {
        SeedHashes seed = result.Seed ?? throw new InvalidOperationException("The seed pipeline did not run.");
        var row = new PSObject();
        row.TypeNames.Insert(0, GetImagePHashCommand.IndexRowTypeName);
        row.Properties.Add(new PSNoteProperty("image_name", input.ImageName));
        row.Properties.Add(new PSNoteProperty("job_number", input.Job?.JobNumber ?? string.Empty));
        row.Properties.Add(new PSNoteProperty("job_url", input.Job?.JobUrl ?? string.Empty));
        row.Properties.Add(new PSNoteProperty("original_hash", seed.Original));
        row.Properties.Add(new PSNoteProperty("h_flip_hash", seed.HFlip));
        row.Properties.Add(new PSNoteProperty("v_flip_hash", seed.VFlip));
        foreach (KeyValuePair<string, string> permutation in seed.Permutations)
        {
            row.Properties.Add(new PSNoteProperty(permutation.Key + "_hash", permutation.Value));
        }
        if (input.S3 is { } s3)
        {
            row.Properties.Add(new PSNoteProperty("etag", s3.ETag));
            row.Properties.Add(new PSNoteProperty("size", s3.Size));
            row.Properties.Add(new PSNoteProperty("last_modified", s3.LastModified?.UtcDateTime));
        }
        return row;
    }
}
