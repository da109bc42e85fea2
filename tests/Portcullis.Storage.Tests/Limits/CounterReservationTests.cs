using Portcullis.Storage.Limits;

namespace Portcullis.Storage.Tests.Limits;

public sealed class CounterReservationTests
{
    [Fact]
    public void Default_IsARefusal_WithNothingInIt()
    {
        var reservation = default(CounterReservation);

        Assert.Equal(CounterReservationOutcome.Full, reservation.Outcome);
        Assert.Null(reservation.Lease);
        Assert.Null(reservation.RetryAfter);
        Assert.Null(reservation.Error);
    }

    [Fact]
    public void Acquired_CarriesOnlyItsLease()
    {
        var lease = new CounterLease("k|0", 2, DateTimeOffset.UnixEpoch);

        var reservation = CounterReservation.Acquired(lease);

        Assert.Equal(CounterReservationOutcome.Acquired, reservation.Outcome);
        Assert.Same(lease, reservation.Lease);
        Assert.Null(reservation.RetryAfter);
        Assert.Null(reservation.Error);
    }

    [Fact]
    public void StoreUnavailable_CarriesOnlyItsError()
    {
        var error = new StoreUnavailableException("down");

        var reservation = CounterReservation.StoreUnavailable(error);

        Assert.Equal(CounterReservationOutcome.StoreUnavailable, reservation.Outcome);
        Assert.Same(error, reservation.Error);
        Assert.Null(reservation.Lease);
        Assert.Null(reservation.RetryAfter);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(0L, 0L)]
    [InlineData(1L, 1L)]
    [InlineData(36_000_000_000L, 36_000_000_000L)]
    [InlineData(long.MaxValue, long.MaxValue - 1)]
    [InlineData(-5L, 0L)]
    public void Full_KeepsItsRetryAfter_ANegativeOneAsZero(long? ticks, long? expected)
    {
        var reservation = CounterReservation.Full(ticks is { } t ? TimeSpan.FromTicks(t) : null);

        Assert.Equal(CounterReservationOutcome.Full, reservation.Outcome);
        Assert.Equal(expected is { } e ? TimeSpan.FromTicks(e) : null, reservation.RetryAfter);
        Assert.Null(reservation.Lease);
        Assert.Null(reservation.Error);
    }

    [Fact]
    public void Reservations_AreEqualByValue()
    {
        Assert.Equal(CounterReservation.Full(TimeSpan.FromSeconds(3)), CounterReservation.Full(TimeSpan.FromSeconds(3)));
        Assert.NotEqual(CounterReservation.Full(TimeSpan.Zero), CounterReservation.Full());
    }
}
