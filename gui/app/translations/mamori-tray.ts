<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>CallError</name>
    <message>
        <source>Not authorized: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Mamori service is not running.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DeviceDescription</name>
    <message>
        <source>Allow the USB device “%1”?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown maker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Made by: %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It says it is: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing known</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serial number: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning: this device is a keyboard and also something else. A memory stick or a charger never needs to type; a device like this can type commands on its own. Block it unless you plugged in a keyboard you expect to have these functions.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InterfaceWords</name>
    <message>
        <source>audio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network or modem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keyboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mouse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>camera (still images)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>printer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>storage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hub</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>smart card reader</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>camera</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>wireless (Bluetooth)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>vendor-specific</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>interface class 0x%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>libnotify could not start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Mamori&apos;s tray icon: approve USB devices, choose DNS resolvers, see what they learn and manage sandboxes. Talks to mamorid on the system bus (DBUS_SYSTEM_BUS_ADDRESS chooses another).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the settings window on PAGE (dns, devices, sandboxes, about).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::AboutPage</name>
    <message>
        <source>Protection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Private DNS for every app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;USB and Bluetooth protection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sandboxes for apps with a profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What this computer&apos;s kernel offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Detail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kernel features</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mamori tray %1; service %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not running</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::DeviceApprovalDialog</name>
    <message>
        <source>New USB device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow &amp;once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Always allow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Block</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allows the device until it is unplugged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allows this device now and whenever it comes back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keeps the device switched off</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Blocked in %n second(s) unless you allow it.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mamori::gui::DeviceApprovalPrompt</name>
    <message>
        <source>Mamori could not apply your answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Always allow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::DevicesPage</name>
    <message>
        <source>waiting for you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>partly allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>blocked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keyboard next to other functions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected USB devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Functions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow &amp;once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Al&amp;ways allow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Block</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Always bl&amp;ock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Functions of the selected device:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Functions of the selected device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow only the &amp;checked functions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remembered devices and rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Show remembered devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading them needs an administrator&apos;s approval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Forget the selected one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New devices and Bluetooth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What happens to a new USB device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;When a new USB device is plugged in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow every new device for &amp;5 minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For setting up a computer with many devices at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blue&amp;tooth on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bluetooth on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (interface %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New devices are allowed until %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::DnsPage</name>
    <message>
        <source>Resolvers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In the shard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolver for apps without their own choice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Apps without their own choice use:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queries</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last query</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apps and their resolver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resolver for the selected app:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolver for the selected app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;ssign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What resolvers learn about you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Warn when a resolver has learned:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never warn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exposure warning threshold in bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Forget what resolvers learned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apps doing their own DNS over HTTPS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Questions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spread over several resolvers (shard)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::EventNotifier</name>
    <message>
        <source>%1 knows a lot about your browsing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 looks up names on its own</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 sends its DNS questions over HTTPS to %2, past Mamori&apos;s resolvers. The DNS page shows what it asks when Mamori can read it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was stopped from doing something</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its sandbox refused “%1” (rule %2; %3).</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>(%n more like it were not shown.)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Asked directly by apps that bypass Mamori, %1 has seen %n distinct site(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Through Mamori, the resolver %1 has seen %n distinct site(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>: %1 bits of information, over your threshold of %2 bits. Spread your apps over more resolvers on the DNS page, or forget what it learned.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::ExposureChart</name>
    <message>
        <source>What each resolver learned, in bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What each resolver learned about you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Through Mamori</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apps bypassing Mamori</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no queries yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning threshold (%1 bits)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 bits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::LearnProfileDialog</name>
    <message>
        <source>Learn a sandbox profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Program and its arguments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Application id (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile &amp;name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Program:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Application id:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the learning run reports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Start learning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not start pkexec: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The profile name may have letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos; only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name the program to run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Learning: use the program, then quit it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile written to %1. Run the program in it with: mamori-run %2 -- %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not learned: the administrator&apos;s approval was not given.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not learned (exit status %1); see the report above.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mamori runs the program once and records what it needs. Use it as you normally would, then quit it: the profile is written when it ends. Recording needs an administrator&apos;s approval; the program itself runs as you.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::ProtectionSummary</name>
    <message>
        <source>The Mamori service is not running: nothing is protected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) waiting for your decision.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Private DNS failed; see the DNS page.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mamori protects this computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private DNS: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private DNS: failed (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private DNS: stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Private DNS: spread over %n resolver(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Private DNS: through %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>USB protection: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>USB protection: new devices ask first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>USB protection: new devices are blocked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>USB protection: new devices are allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>; Bluetooth off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sandboxes: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Sandboxes: %n running</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mamori::gui::RoleColumnsProxy</name>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 bits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::SandboxesPage</name>
    <message>
        <source>Profiles for every user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Install a profile from a file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove the selected profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Learn a profile…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs a program once, records what it needs, and writes a profile for it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running sandboxes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Process</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checks answered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recently refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recently refused calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install a sandbox profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sandbox profiles (*.profile)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::SettingsWindow</name>
    <message>
        <source>Mamori</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Mamori service is not running, so nothing is protected and nothing can be changed here. Start it with “sudo systemctl start mamorid” (or scripts/run-mamori.sh); this window follows it when it appears.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service not running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;DNS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>De&amp;vices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sand&amp;boxes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Abou&amp;t</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome of the last change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choosing the app&apos;s resolver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choosing the resolver for all apps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Setting the warning threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forgetting what resolvers learned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowing the device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blocking the device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changing what new devices do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switching Bluetooth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowing every new device for a while</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the remembered devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forgetting the remembered device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installing the profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removing the profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switching the protection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mamori::gui::TrayIcon</name>
    <message>
        <source>&amp;Pause device approval prompts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Bluetooth on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit the tray</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
