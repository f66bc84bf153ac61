/* nodriverentry: a module that is not a driver (exports no DriverEntry). */
int NotADriver(void);
int NotADriver(void)
{
    return 42;
}
