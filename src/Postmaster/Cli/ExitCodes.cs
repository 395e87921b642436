namespace Postmaster.Cli;

/// <summary>Process exit codes, from sysexits.h where one applies (DESIGN.md §1).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 64;        // EX_USAGE
    public const int DataError = 65;    // EX_DATAERR
    public const int NoInput = 66;      // EX_NOINPUT
    public const int NoUser = 67;       // EX_NOUSER: an address without a route
    public const int Unavailable = 69;  // EX_UNAVAILABLE
    public const int Software = 70;     // EX_SOFTWARE
    public const int CantCreate = 73;   // EX_CANTCREAT
    public const int IoError = 74;      // EX_IOERR
    public const int TempFail = 75;     // EX_TEMPFAIL
    public const int NoPermission = 77; // EX_NOPERM
    public const int Config = 78;       // EX_CONFIG
}
