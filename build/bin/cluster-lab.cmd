@echo off
:: The `cluster-lab` command of the installed app, as VS Code's resources\app\bin\code.cmd: the
:: app's own executable runs the CLI bundle as Node, so the user needs no Node.js of their own.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\..\Cluster Lab.exe" "%~dp0..\cli\cluster-lab.mjs" %*
exit /b %ERRORLEVEL%
