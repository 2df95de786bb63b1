[Application]
Include=base
