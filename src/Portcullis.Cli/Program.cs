using Portcullis.Cli;

#pragma warning disable RS0030 // The CLI's composition root: commands run on the system clock.
return PortcullisCommand.Run(args, TimeProvider.System);
#pragma warning restore RS0030
