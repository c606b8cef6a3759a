<?php
// examples/clients/php/faxage_example.php: send a fax, wait for it, download its TIFF,
// then list the inbound faxes and fetch the newest. PHP 8 with the cURL extension.
//   FAXAGE_URL=http://127.0.0.1:8080 php faxage_example.php
// Over HTTPS against faxage-sim --tls: FAXAGE_CA_BUNDLE=/path/to/ca.pem (CURLOPT_CAINFO).

$base = rtrim(getenv('FAXAGE_URL') ?: 'https://api.faxage.com', '/');
$login = [
    'username' => getenv('FAXAGE_USERNAME') ?: 'demo',
    'company' => getenv('FAXAGE_COMPANY') ?: '1000',
    'password' => getenv('FAXAGE_PASSWORD') ?: 'demo',
];
$faxno = getenv('FAXAGE_FAXNO') ?: '3039911234';
$pollSeconds = (float) (getenv('FAXAGE_POLL_SECONDS') ?: '10');

function faxage(string $operation, array $fields = []): string
{
    global $base, $login;
    $curl = curl_init($base . '/httpsfax.php');
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => http_build_query($login + ['operation' => $operation] + $fields),
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 30,
    ]);
    $caBundle = getenv('FAXAGE_CA_BUNDLE');
    if ($caBundle) {
        curl_setopt($curl, CURLOPT_CAINFO, $caBundle);
    }
    $body = curl_exec($curl);
    if ($body === false) {
        fwrite(STDERR, 'FAXAGE unreachable: ' . curl_error($curl) . "\n");
        exit(1);
    }
    curl_close($curl);
    if (str_starts_with($body, 'ERR')) {
        fwrite(STDERR, "FAXAGE answered $body\n");
        exit(1);
    }
    return $body;
}

function describe(string $what, string $file): string
{
    return "$what " . strlen($file) . ' bytes sha256 ' . hash('sha256', $file);
}

$answer = faxage('sendfax', [
    'faxno' => $faxno,
    'recipname' => 'Front desk',
    'faxfilenames[]' => 'hello.txt',
    'faxfiledata[]' => base64_encode("Hello from PHP\n"),
]);
$jobid = trim(substr($answer, strlen('JOBID: ')));
echo "sent job $jobid\n";

for ($poll = 0; $poll < 1000; $poll++) {
    $fields = explode("\t", rtrim(faxage('status', ['jobid' => $jobid]), "\n"));
    if ($fields[4] !== 'pending') {
        break;
    }
    usleep((int) ($pollSeconds * 1e6));
}
echo "status $jobid $fields[4] $fields[5]\n";
echo describe('tiff', faxage('dlstatus', ['jobid' => $jobid])) . "\n";

$faxes = explode("\n", rtrim(faxage('listfax'), "\n"));
[$recvid, $recvdate, $cid, $dnis] = explode("\t", end($faxes));
echo "inbound $recvid from $cid to $dnis\n";
echo describe('fax', faxage('getfax', ['faxid' => $recvid])) . "\n";
