using System.Text;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

public class Crc32CTests
{
    [Fact]
    public void Matches_the_published_check_value()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, Crc32C.Compute(data));
        Assert.Equal(0xE3069283u, ~Crc32C.UpdateSoftware(~0u, data));
    }

    [Fact]
    public void Hardware_and_table_paths_agree_for_every_length_and_split()
    {
        var random = new Random(7);
        for (var length = 0; length < 300; length++)
        {
            var data = WalTestData.Random(random, length);
            var expected = ~Crc32C.UpdateSoftware(~0u, data);
            Assert.Equal(expected, Crc32C.Compute(data));
            var split = length / 3;
            Assert.Equal(expected, ~Crc32C.Update(Crc32C.Update(~0u, data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public void Empty_input_gives_zero() => Assert.Equal(0u, Crc32C.Compute([]));
}
