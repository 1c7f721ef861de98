using Serverless.OAuth.Grants;

namespace Serverless.OAuth.Tests.Grants;

public sealed class SuccessorEnvelopeTests
{
    [Fact]
    public void OnlyTheRotatedTokenOpensItsSuccessor()
    {
        var sealedSuccessor = SuccessorEnvelope.Seal("fam.rotated", "fam.successor");

        Assert.Equal("fam.successor", SuccessorEnvelope.Open("fam.rotated", sealedSuccessor));
        Assert.Null(SuccessorEnvelope.Open("fam.other", sealedSuccessor));
        Assert.DoesNotContain("successor", sealedSuccessor);
    }

    [Fact]
    public void TamperedOrGarbageCiphertext_DoesNotOpen()
    {
        var sealedSuccessor = SuccessorEnvelope.Seal("t", "s");
        var tampered = (sealedSuccessor[^1] == 'A' ? sealedSuccessor[..^1] + "B" : sealedSuccessor[..^1] + "A");

        Assert.Null(SuccessorEnvelope.Open("t", tampered));
        Assert.Null(SuccessorEnvelope.Open("t", "short"));
        Assert.Null(SuccessorEnvelope.Open("t", "!!!"));
    }
}
