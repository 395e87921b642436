namespace Postmaster.Delivery;

/// <summary>The sysexits.h values <c>postmaster deliver</c> ends with, and that Postmaster reads back from it.</summary>
public static class SysExits
{
    public const int Ok = 0;
    public const int Usage = 64;        // EX_USAGE: bad options
    public const int DataError = 65;    // EX_DATAERR
    public const int NoUser = 67;       // EX_NOUSER: --user names nobody
    public const int Unavailable = 69;  // EX_UNAVAILABLE: a permanent failure (the command said no)
    public const int Software = 70;     // EX_SOFTWARE: a bug, or a privilege switch that did not take
    public const int TempFail = 75;     // EX_TEMPFAIL: deferred, try again later
    public const int NoPermission = 77; // EX_NOPERM: --user without being root
}
