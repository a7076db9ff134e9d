using CsCheck;
using StateVault.Chunking;

namespace StateVault.Tests.Chunking;

public sealed class ContentDefinedChunkerTests
{
    private static readonly Gen<(int Average, byte[] Data)> s_inputs =
        from bits in Gen.Int[8, 12]
        from data in Gen.OneOf(Gen.Byte.Array[0, 40_000], Gen.Byte[0, 3].Array[0, 40_000], Gen.Const(new byte[30_000]))
        select (1 << bits, data);

    [Fact]
    public void Split_AnyInput_ConcatenationEqualsInput()
    {
        s_inputs.Sample(input =>
        {
            var sut = new ContentDefinedChunker(input.Average);
            var chunks = sut.Split(input.Data);
            var joined = chunks.SelectMany(c => input.Data.AsSpan(c.Offset, c.Length).ToArray()).ToArray();
            Assert.Equal(input.Data, joined);
            Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => chunks.Take(i).Sum(c => c.Length)), chunks.Select(c => c.Offset));
        });
    }

    [Fact]
    public void Split_AnyInput_EveryChunkButTheLastWithinMinAndMax()
    {
        s_inputs.Sample(input =>
        {
            var sut = new ContentDefinedChunker(input.Average);
            var chunks = sut.Split(input.Data);
            for (var i = 0; i < chunks.Count; i++)
            {
                Assert.InRange(chunks[i].Length, i == chunks.Count - 1 ? 1 : sut.MinSize, sut.MaxSize);
            }
        });
    }

    [Fact]
    public void Split_SameInputTwice_SameChunks()
    {
        s_inputs.Sample(input =>
            Assert.Equal(new ContentDefinedChunker(input.Average).Split(input.Data), new ContentDefinedChunker(input.Average).Split(input.Data)));
    }

    [Fact]
    public void Split_InsertInTheMiddleOf4MiB_OnlyChunksAroundTheEditChange()
    {
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 5000], Gen.Int[0, 4 * 1024 * 1024]).Sample((seed, insertLength, at) =>
        {
            var original = new byte[4 * 1024 * 1024];
            new Random(seed).NextBytes(original);
            var inserted = new byte[insertLength];
            new Random(seed + 1).NextBytes(inserted);
            var edited = original.AsSpan(0, at).ToArray().Concat(inserted).Concat(original.AsSpan(at).ToArray()).ToArray();
            var sut = new ContentDefinedChunker(64 * 1024);

            var beforeChunks = sut.Split(original);
            var before = Ids(original, beforeChunks);
            var after = Ids(edited, sut.Split(edited));

            // Content-defined cut points resynchronize after an edit: the old chunks that are gone form ONE contiguous run
            // that starts at the chunk the insertion lands in (a cut point in the skipped minimum of a moved chunk can
            // push the resynchronization a few chunks further, so the run's length is a matter of chance, not bounded by
            // one or two), and every chunk before and after that run keeps its id. A chunker that lost chunks away from
            // the edit, or never resynchronized, fails this.
            var lostIndexes = Enumerable.Range(0, before.Count).Where(i => !after.Contains(before[i])).ToList();
            var landsIn = beforeChunks.FindIndex(c => at < c.Offset + c.Length);
            landsIn = landsIn < 0 ? before.Count - 1 : landsIn;
            var firstLost = lostIndexes.Count == 0 ? landsIn : lostIndexes[0];
            Assert.True(lostIndexes.Count == 0 || lostIndexes[^1] - lostIndexes[0] + 1 == lostIndexes.Count, $"lost chunks {string.Join(",", lostIndexes)} are not one run (insertion of {insertLength} bytes at {at})");
            Assert.True(firstLost >= landsIn - 1 && firstLost <= landsIn, $"the lost run starts at chunk {firstLost}, the insertion lands in chunk {landsIn}");
            Assert.True(lostIndexes.Count <= before.Count / 4, $"{lostIndexes.Count} of {before.Count} chunks lost after inserting {insertLength} bytes at {at}: no resynchronization");
            Assert.True(after.Except(before).Count() <= lostIndexes.Count + 2, $"{after.Except(before).Count()} new chunks for {lostIndexes.Count} lost");
        }, iter: 20);
    }

    [Fact]
    public void Gear_IsTheFixedTable()
    {
        // Dedupe across versions and processes depends on this table: it must never change.
        Assert.Equal(0x3EDA608694230B3DUL, ContentDefinedChunker.Gear[0]);
        Assert.Equal(0x9C0E635A2835A9CBUL, ContentDefinedChunker.Gear[1]);
        Assert.Equal(0x4EC49D3693204A6AUL, ContentDefinedChunker.Gear[255]);
    }

    [Fact]
    public void Split_FixedInput_CutsAtTheSamePlacesAsEver()
    {
        var data = new byte[1024 * 1024];
        var state = 12345u;
        for (var i = 0; i < data.Length; i++)
        {
            state = state * 1103515245u + 12345u;
            data[i] = (byte)(state >> 16);
        }

        var cuts = new ContentDefinedChunker(64 * 1024).Split(data).Select(c => c.Length).ToArray();

        Assert.Equal([71797, 75091, 61742, 80026, 68971, 77292, 90432, 47812, 87827, 54570, 89451, 90554, 73821, 69910, 9280], cuts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(128)]
    [InlineData(1000)]
    [InlineData(32 * 1024 * 1024)]
    public void Constructor_InvalidAverage_Throws(int average) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContentDefinedChunker(average));

    private static List<string> Ids(byte[] data, List<(int Offset, int Length)> chunks) =>
        chunks.Select(c => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data.AsSpan(c.Offset, c.Length)))).ToList();
}
