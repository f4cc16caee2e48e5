export function ErrorMessage({ message }: { message: string }) {
  return (
    <p role="alert" className="c-error">
      {message}
    </p>
  );
}
